// What Python's logging prints after `Exception caught in <EventBatchPublisher(…)>` (exc_info=True): the
// traceback of the exception that ended the publisher thread, each line without the record prefix. Paths are
// those of the agent's own Python (the cwlogs and botocore packages in its site-packages); the last line names
// the exception class as that Python does (Python 3: module and class; Python 2.7: the class alone).
import type { AgentPython } from '../../agents/awslogs/byte-pattern.js';
import type { PublisherDied } from './publisher.js';

const FRAMES: Record<string, [string, number, string, string]> = {
  run: ['cwlogs/threads.py', 39, 'run', 'self._run()'],
  _run: ['cwlogs/push.py', 1311, '_run', 'self._publish_event_batch()'],
  _publish_event_batch: [
    'cwlogs/push.py',
    1177,
    '_publish_event_batch',
    'self.sequence_token = self._put_log_events(self.event_batch)',
  ],
  _put_log_events: ['cwlogs/push.py', 1206, '_put_log_events', 'response = self.logs_service.put_log_events(**params)'],
  _put_log_events_setup: ['cwlogs/push.py', 1250, '_put_log_events', ')()'],
  call: ['cwlogs/retry.py', 64, 'call', 'raise e'],
  _setup_resources: ['cwlogs/push.py', 1292, '_setup_resources', 'logGroupName=self.log_group_name)'],
};

export function sitePackages(python: AgentPython): string {
  return `/usr/lib/python${python === '3' ? '3.7' : '2.7'}/site-packages`;
}

export function publisherTraceback(died: PublisherDied, python: AgentPython): string[] {
  const site = sitePackages(python);
  const frame = ([file, line, fn, code]: [string, number, string, string]): string[] => [
    `  File "${site}/${file}", line ${line}, in ${fn}`,
    `    ${code}`,
  ];
  const own = ['run', '_run', ...died.frames].map((f) => FRAMES[f]!);
  // The last cwlogs frame is a botocore call: through botocore's client to where it raises.
  const botocore: [string, number, string, string][] = [
    ['botocore/client.py', 357, '_api_call', 'return self._make_api_call(operation_name, kwargs)'],
    died.error.code === 'EndpointConnectionError'
      ? ['botocore/endpoint.py', 260, '_send_request', 'raise exception']
      : ['botocore/client.py', 676, '_make_api_call', 'raise error_class(parsed_response, operation_name)'],
  ];
  const cls = died.error.pythonClass;
  return [
    'Traceback (most recent call last):',
    ...[...own, ...botocore].flatMap(frame),
    `${python === '3' ? cls : cls.slice(cls.lastIndexOf('.') + 1)}: ${died.error.text}`,
  ];
}
