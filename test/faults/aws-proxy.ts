// A fault-injecting HTTP proxy between the tool and the lab's moto: it answers chosen requests with AWS's
// own error answers (in the protocol of the service asked: query XML for IAM/STS, EC2's XML, JSON for
// CloudWatch Logs and CloudWatch), drops their connection before or after moto did the work, and forwards
// everything else. It records every request it saw, by action, and what it did with it.
import { createServer, request, type Server } from 'node:http';

export type Fault =
  /** 400 Throttling (ThrottlingException, RequestLimitExceeded): AWS says retry with backoff. */
  | 'throttle'
  /** 503 ServiceUnavailable. */
  | '503'
  /** The connection closed before the request reached moto. */
  | 'drop'
  /** moto did the work, and its answer is lost: the connection closes before it reaches the tool. */
  | 'lost'
  /** 403 AccessDenied (AccessDeniedException, UnauthorizedOperation): never retried. */
  | 'deny'
  /** The credentials' session token has expired (ExpiredToken / ExpiredTokenException). */
  | 'expired';

export interface Rule {
  /** The action (`CreateAccessKey`, `FilterLogEvents`), or any when absent. */
  action?: string;
  fault: Fault;
  /** How many matching requests get the fault (Infinity: all, until the rule is removed). */
  times: number;
  /** Only once a request for this action went by (the fault comes after it). */
  after?: string;
}

export interface Seen {
  action: string;
  did: Fault | 'forwarded';
}

type Protocol = 'json' | 'query' | 'ec2';

const WORDS: Record<Exclude<Fault, 'drop' | 'lost'>, Record<Protocol, [number, string, string]>> = {
  throttle: {
    query: [400, 'Throttling', 'Rate exceeded'],
    json: [400, 'ThrottlingException', 'Rate exceeded'],
    ec2: [503, 'RequestLimitExceeded', 'Request limit exceeded.'],
  },
  '503': {
    query: [503, 'ServiceUnavailable', 'injected by the fault proxy'],
    json: [503, 'ServiceUnavailableException', 'injected by the fault proxy'],
    ec2: [503, 'Unavailable', 'injected by the fault proxy'],
  },
  deny: {
    query: [403, 'AccessDenied', 'User: ACTOR is not authorized to perform: ACTION (injected by the fault proxy)'],
    json: [
      400,
      'AccessDeniedException',
      'User: ACTOR is not authorized to perform: ACTION (injected by the fault proxy)',
    ],
    ec2: [403, 'UnauthorizedOperation', 'You are not authorized to perform this operation. (ACTION)'],
  },
  expired: {
    query: [403, 'ExpiredToken', 'The security token included in the request is expired'],
    json: [400, 'ExpiredTokenException', 'The security token included in the request is expired'],
    ec2: [400, 'RequestExpired', 'Request has expired.'],
  },
};

const PREFIX: Record<string, string> = { Logs_20140328: 'logs', GraniteServiceVersion20100801: 'cloudwatch' };

function errorAnswer(fault: Exclude<Fault, 'drop' | 'lost'>, protocol: Protocol, action: string, service: string) {
  const [status, code, words] = WORDS[fault][protocol];
  const message = words
    .replace('ACTOR', 'arn:aws:iam::123456789012:user/provision-operator')
    .replace('ACTION', `${service}:${action}`);
  if (protocol === 'json') {
    return {
      status,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code },
      body: JSON.stringify({ __type: code, message }),
    };
  }
  const body =
    protocol === 'ec2'
      ? `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>`
      : `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;
  return { status, headers: { 'content-type': 'text/xml' }, body };
}

export class FaultProxy {
  rules: Rule[] = [];
  readonly seen: Seen[] = [];
  readonly server: Server;

  constructor(upstream: URL) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const target = req.headers['x-amz-target'];
        const text = body.toString('utf8');
        let action: string;
        let protocol: Protocol;
        let service: string;
        if (typeof target === 'string') {
          const [prefix = '', op = ''] = target.split('.');
          action = op;
          protocol = 'json';
          service = PREFIX[prefix] ?? prefix;
        } else {
          const params = new URLSearchParams(text);
          action = params.get('Action') ?? '';
          protocol = params.get('Version') === '2016-11-15' ? 'ec2' : 'query';
          service = protocol === 'ec2' ? 'ec2' : action === 'GetCallerIdentity' ? 'sts' : 'iam';
        }
        const fault = this.take(action);
        this.seen.push({ action, did: fault ?? 'forwarded' });
        if (fault === 'drop') return void req.socket.destroy();
        if (fault && fault !== 'lost') {
          const answer = errorAnswer(fault, protocol, action, service);
          res.writeHead(answer.status, answer.headers);
          return void res.end(answer.body);
        }
        const up = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (r) => {
            if (fault === 'lost') {
              // Read moto's whole answer (the work is done), then close without passing it on.
              r.resume();
              r.on('end', () => req.socket.destroy());
              return;
            }
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        up.end(body);
      });
    });
  }

  /** The fault for a request of this action, if a rule holds one (and uses it up). */
  private take(action: string): Fault | undefined {
    for (const rule of this.rules) {
      if (rule.times <= 0) continue;
      if (rule.action !== undefined && rule.action !== action) continue;
      if (rule.after !== undefined && !this.seen.some((s) => s.action === rule.after)) continue;
      rule.times--;
      return rule.fault;
    }
    return undefined;
  }

  /** New rules, and a fresh record of what was seen. */
  reset(rules: Rule[] = []): void {
    this.rules = rules;
    this.seen.length = 0;
  }

  /** What was done to the requests of one action, in order. */
  did(action: string): (Fault | 'forwarded')[] {
    return this.seen.filter((s) => s.action === action).map((s) => s.did);
  }

  /** `host`: where it listens (the lab's bridge address, for lab hosts' agents); loopback by default. */
  async listen(host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, host, r));
    return `http://${host}:${(this.server.address() as { port: number }).port}`;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}
