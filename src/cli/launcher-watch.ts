// `npx herald serve` runs Herald as npm exec → sh → node, and the shell passes
// no signal on: a SIGTERM to npm ends npm and the shell, not Herald, which
// would keep its port. So under npm (which sets npm_command in its children)
// Herald also stops when the process that started it is gone, which shows as
// a change of parent (the orphan is adopted by init or a subreaper).
const CHECK_EVERY_MS = 500;

export function onLauncherGone(stop: () => void, env: NodeJS.ProcessEnv = process.env): void {
  if (env.npm_command === undefined) return;
  const launcher = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(timer);
    stop();
  }, CHECK_EVERY_MS);
  timer.unref();
}
