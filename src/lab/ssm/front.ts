// The lab's AWS endpoint as the tool and the hosts reach it (the bridge address, port 5000): Run Command calls
// (`X-Amz-Target: AmazonSSM.SendCommand` …) are answered here, signatures checked; the SSM agents' own channel
// (`/lab-ssm-agent/…`, polled from the hosts, as the real agent polls AWS) is here too; every other request goes
// to moto unchanged, Host header and all, so that moto checks its signature as before.
import { randomUUID } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { ACTIONS, handle, type Action } from './api.js';
import { Agents, type LabInstance } from './agents.js';
import { RunCommand, SsmError, type AgentOutcome } from './run-command.js';
import { verifySignature } from './sigv4.js';

export interface FrontOptions {
  /** moto's own address, e.g. http://10.213.7.1:5001. */
  motoUrl: string;
  /** The lab's instances now (instance id and address of each host). */
  instances: () => LabInstance[];
  /** The secret of an access key the endpoint accepts (the lab operator's), or undefined. */
  secretOf: (accessKeyId: string) => string | undefined;
  /** How long an agent's poll is held when there is nothing for it, ms. */
  holdMs?: number;
  lostAfterMs?: number;
  consistencyDelayMs?: number;
  log?: (line: string) => void;
}

const MAX_BODY = 8 * 1024 * 1024;
const AGENT_PATH = '/lab-ssm-agent/';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new SsmError('ValidationException', 'request too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...extra,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof SsmError)
    sendJson(res, err.status, { __type: err.type, message: err.message }, { 'x-amzn-errortype': err.type });
  else sendJson(res, 500, { __type: 'InternalServerError', message: (err as Error).message ?? String(err) });
}

/** The peer's IPv4 address, without the IPv6-mapped prefix. */
function peer(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

export function createFront(options: FrontOptions): { server: Server; close: () => void } {
  const log = options.log ?? (() => undefined);
  const agents = new Agents({
    instances: options.instances,
    ...(options.lostAfterMs !== undefined ? { lostAfterMs: options.lostAfterMs } : {}),
  });
  const runCommand = new RunCommand({
    registered: (id) => agents.registered(id),
    ...(options.consistencyDelayMs !== undefined ? { consistencyDelayMs: options.consistencyDelayMs } : {}),
  });
  /** Agents' polls held open, by instance id. */
  const held = new Map<string, Set<{ res: ServerResponse; timer: NodeJS.Timeout }>>();

  const answerPoll = (instanceId: string, res: ServerResponse): boolean => {
    const messages = runCommand.messagesFor(instanceId);
    if (messages.length === 0) return false;
    sendJson(res, 200, { messages });
    return true;
  };
  const wake = (): void => {
    for (const [instanceId, polls] of held) {
      for (const poll of [...polls]) {
        // A host whose instance is gone (the lab gave it a new id) polls again at once, with the new one.
        const gone = !options.instances().some((i) => i.instanceId === instanceId);
        if (gone || answerPoll(instanceId, poll.res)) {
          if (gone) sendJson(poll.res, 200, { messages: [] });
          clearTimeout(poll.timer);
          polls.delete(poll);
          agents.pollEnded(instanceId);
        }
      }
    }
  };
  const clock = setInterval(() => {
    runCommand.tick();
    wake();
  }, 500);

  const agentChannel = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
    const instanceId = String(body.instanceId ?? '');
    const refused = agents.refusal(instanceId, peer(req));
    if (refused) return sendJson(res, 403, { message: refused });
    agents.seen({
      instanceId,
      address: peer(req),
      computerName: String(body.computerName ?? ''),
      platformName: String(body.platformName ?? ''),
      platformVersion: String(body.platformVersion ?? ''),
      agentVersion: String(body.agentVersion ?? ''),
    });
    const path = (req.url ?? '').slice(AGENT_PATH.length);
    if (path === 'reply') {
      runCommand.report(
        instanceId,
        String(body.commandId ?? ''),
        String(body.outcome ?? 'failed') as AgentOutcome,
        Number(body.code ?? -1),
        String(body.stdout ?? ''),
        String(body.stderr ?? ''),
      );
      sendJson(res, 200, {});
      wake();
      return;
    }
    if (path !== 'poll') return sendJson(res, 404, { message: `no ${req.url}` });
    if (answerPoll(instanceId, res)) return;
    agents.pollStarted(instanceId);
    const polls = held.get(instanceId) ?? new Set();
    held.set(instanceId, polls);
    const poll = {
      res,
      timer: setTimeout(() => {
        if (!polls.delete(poll)) return;
        agents.pollEnded(instanceId);
        sendJson(res, 200, { messages: [] });
      }, options.holdMs ?? 10_000),
    };
    polls.add(poll);
    // The agent went away (stopped, host down): its poll ends with it.
    res.on('close', () => {
      if (!polls.delete(poll)) return;
      clearTimeout(poll.timer);
      agents.pollEnded(instanceId);
    });
  };

  const ssmApi = async (req: IncomingMessage, res: ServerResponse, action: Action): Promise<void> => {
    const body = await readBody(req);
    await verifySignature(
      { method: req.method ?? 'POST', host: req.headers.host ?? '', path: req.url ?? '/', headers: req.headers, body },
      'ssm',
      options.secretOf,
    );
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      throw new SsmError('SerializationException', 'the request body is not JSON');
    }
    const answer = handle(action, input, { runCommand, agents, wake });
    if (action === 'SendCommand') {
      const c = (answer as { Command: { CommandId: string; InstanceIds: string[] } }).Command;
      log(`SendCommand ${c.CommandId} to ${c.InstanceIds.join(',')}`);
    }
    sendJson(res, 200, answer);
  };

  const toMoto = (req: IncomingMessage, res: ServerResponse): void => {
    const target = new URL(options.motoUrl);
    const upstream = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        // moto checks the signature over the Host header the client signed: it goes as it came.
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`lab endpoint: moto did not answer: ${err.message}`);
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const target = req.headers['x-amz-target'];
    const action = typeof target === 'string' && target.startsWith('AmazonSSM.') ? target.slice(10) : undefined;
    const route =
      (req.url ?? '').startsWith(AGENT_PATH) && req.method === 'POST'
        ? agentChannel(req, res)
        : action && (ACTIONS as readonly string[]).includes(action)
          ? ssmApi(req, res, action as Action)
          : undefined;
    if (!route) return toMoto(req, res);
    route.catch((err: unknown) => {
      if (!res.headersSent) sendError(res, err);
      else res.end();
    });
  });
  return {
    server,
    close: () => {
      clearInterval(clock);
      for (const polls of held.values()) for (const p of polls) clearTimeout(p.timer);
      server.close();
      server.closeAllConnections();
    },
  };
}
