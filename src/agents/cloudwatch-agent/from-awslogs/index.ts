// The migration from awslogs, pure: the configuration's translation (with each key's fate) and the read positions'
// seeding, both ways. The cut-over run (runs/migrate/) drives it.
export { translateAwslogs, REPLACED_VARS } from './translate.js';
export { fromAgentConf, fromHostSpec } from './source.js';
export { convertDatetimeFormat } from './datetime.js';
export type { DatetimeConversion } from './datetime.js';
export { convertPythonRegex } from './regex.js';
export type { RegexConversion } from './regex.js';
export { convertEncoding, MAPPED_CODECS } from './encoding.js';
export type { EncodingConversion } from './encoding.js';
export { convertFilePath } from './section.js';
export type { FateKind, KeyFate, SectionEntry, SourceLog, TranslateInput, Translation } from './types.js';
export { DRAIN_DIR, drainLinkPath, drainSectionName, siblingsGlob } from './observed.js';
export type { ByteRange, FileStart, LogPlan, ObservedFile, SeedLog } from './observed.js';
export { batchesToAsk, planForward, planRisks } from './seed-forward.js';
export type { AwslogsState, BatchToAsk, ForwardOptions } from './seed-forward.js';
export { planBack } from './seed-back.js';
export type { AgentPosition } from './seed-back.js';
export {
  awslogsSeed,
  cloudwatchStateFiles,
  drainEntries,
  drainLinks,
  pushStateJson,
  streamStateJson,
} from './seed-output.js';
export type { AwslogsSeed, DrainLink, SeededStateFile } from './seed-output.js';
