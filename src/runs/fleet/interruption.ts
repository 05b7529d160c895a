// SIGINT during a run: stop starting new hosts, let each running host finish its current step.
// A second SIGINT exits at once; scripts on hosts clean up their temp files themselves.
export function interruption(): { requested: () => boolean; release: () => void } {
  let requested = false;
  const onSignal = () => {
    if (requested) process.exit(130);
    requested = true;
    process.stderr.write('interrupted: finishing the hosts already started; no new host will be started\n');
    process.exitCode = 130;
  };
  process.on('SIGINT', onSignal);
  return { requested: () => requested, release: () => process.off('SIGINT', onSignal) };
}
