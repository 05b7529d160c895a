import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDashboard } from '../../../src/templating/dashboard.js';

test('one widget per distinct metric, one IncomingLogEvents widget per log group, extras appended', () => {
  const body = JSON.parse(
    renderDashboard({
      region: 'ap-northeast-2',
      metrics: [
        { namespace: 'Fleet/Logs', name: 'ErrorCount' },
        { namespace: 'Fleet/Logs', name: 'ErrorCount' },
        { namespace: 'Fleet/Logs', name: 'Latency' },
      ],
      logGroups: ['/var/log/messages', '/var/log/messages', '/var/log/secure'],
      extraWidgets: [{ type: 'text', x: 0, y: 30, width: 6, height: 2, properties: { markdown: '# hi' } }],
    }),
  );
  assert.equal(body.widgets.length, 5);
  assert.deepEqual(body.widgets[0].properties.metrics, [['Fleet/Logs', 'ErrorCount']]);
  assert.equal(body.widgets[0].properties.region, 'ap-northeast-2');
  assert.deepEqual(body.widgets[1].properties.metrics, [['Fleet/Logs', 'Latency']]);
  assert.deepEqual({ x: body.widgets[1].x, y: body.widgets[1].y, w: body.widgets[1].width }, { x: 12, y: 0, w: 12 });
  assert.deepEqual(body.widgets[2].properties.metrics, [
    ['AWS/Logs', 'IncomingLogEvents', 'LogGroupName', '/var/log/messages'],
  ]);
  assert.equal(body.widgets[3].y, 6);
  assert.deepEqual(body.widgets[4], {
    type: 'text',
    x: 0,
    y: 30,
    width: 6,
    height: 2,
    properties: { markdown: '# hi' },
  });
});

test('names with quotes, backslashes and HTML characters stay valid JSON, unescaped', () => {
  const name = 'a"b\\c<d>&\'e';
  const body = JSON.parse(
    renderDashboard({ region: 'us-east-1', metrics: [{ namespace: name, name }], logGroups: [] }),
  );
  assert.deepEqual(body.widgets[0].properties.metrics, [[name, name]]);
  assert.equal(body.widgets[0].properties.title, `${name} ${name}`);
});

test('an empty dashboard still has a widgets array', () => {
  assert.deepEqual(JSON.parse(renderDashboard({ region: 'us-east-1', metrics: [], logGroups: [] })), { widgets: [] });
});
