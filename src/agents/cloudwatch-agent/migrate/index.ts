// The migration from awslogs to the CloudWatch agent as the runs use it (loaded through the catalog): the host's
// configuration read and translated, the cut-over and the way back (their host scripts and decisions; the runs
// hand them the host session, the install, the verify and CloudWatch Logs).
export { readConfLines, parseConf } from '../../awslogs/migrate/read-conf.js';
export type { HostConf } from '../../awslogs/migrate/read-conf.js';
export { translateHost, sectionsOf, awslogsSpec, inventoryVarsWith } from './host-translation.js';
export { cutOver } from './cutover.js';
export { observedSizeLines, parseObservedSize } from './observe-script.js';
export type { CutOver, CutOverInput } from './cutover.js';
export { wayBack } from './way-back.js';
export type { WayBack, WayBackInput } from './way-back.js';
export type { Translation } from '../from-awslogs/index.js';
