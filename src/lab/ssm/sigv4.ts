// Signature checks as AWS makes them, for the lab's SSM endpoint: the request is signed again here with the
// secret of the access key it names (Smithy's SignatureV4, the signer the AWS SDK itself uses), with the same
// date, region, service and signed headers, and the signatures must match. An unknown key, a wrong signature
// or a date more than 15 minutes off are refused in AWS's words.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { SsmError } from './run-command.js';

type Data = string | ArrayBuffer | ArrayBufferView;

function bytes(data: Data): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The hash Smithy's signer takes: a SHA-256, keyed (HMAC) when given a secret. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface SignedRequest {
  method: string;
  /** `host[:port]` as the client sent it. */
  host: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const SKEW_MS = 15 * 60 * 1000;

function amzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/** Returns the access key id when the request is signed with its secret; throws SsmError otherwise. */
export async function verifySignature(
  request: SignedRequest,
  service: string,
  secretOf: (accessKeyId: string) => string | undefined,
  now = Date.now(),
): Promise<string> {
  const header = request.headers['authorization'];
  const m = typeof header === 'string' ? AUTH.exec(header) : null;
  if (!m) throw new SsmError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const [, accessKeyId, , region, scopeService, signedHeaders, signature] = m as unknown as string[];
  const secretAccessKey = secretOf(accessKeyId!);
  if (secretAccessKey === undefined)
    throw new SsmError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (scopeService !== service)
    throw new SsmError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`);
  const dateHeader = request.headers['x-amz-date'];
  const date = typeof dateHeader === 'string' ? amzDate(dateHeader) : undefined;
  if (!date)
    throw new SsmError(
      'IncompleteSignatureException',
      'Authorization header requires existence of an X-Amz-Date header',
    );
  if (Math.abs(now - date.getTime()) > SKEW_MS)
    throw new SsmError(
      'InvalidSignatureException',
      `Signature expired: ${dateHeader} is more than 15 minutes from the server's time.`,
    );

  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const value = name === 'host' ? request.host : request.headers[name];
    if (value === undefined) throw new SsmError('InvalidSignatureException', `the signed header ${name} is missing`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const token = request.headers['x-amz-security-token'];
  const signer = new SignatureV4({
    service,
    region: region!,
    credentials: {
      accessKeyId: accessKeyId!,
      secretAccessKey,
      ...(typeof token === 'string' ? { sessionToken: token } : {}),
    },
    sha256: Sha256,
    uriEscapePath: true,
  });
  const [hostname, port] = request.host.split(':');
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: hostname!,
      ...(port ? { port: Number(port) } : {}),
      path: request.path,
      query: {},
      headers,
      body: request.body,
    },
    { signingDate: date, signingRegion: region!, signingService: service },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization'] ?? ''))?.[1];
  if (expected !== signature)
    throw new SsmError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  return accessKeyId!;
}
