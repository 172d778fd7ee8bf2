// SQL shared by both dialects' delivery queries.

/** The statuses that end a delivery, for IN / NOT IN clauses. */
export const FINAL_SQL = "('succeeded', 'failed')";
