// The inventory as every run loads it: the file, with `ec2:` groups resolved through EC2.
import { loadInventory } from '../../inventory/load.js';
import { useInventoryAwsProfile } from './aws-profile.js';
import type { Inventory } from '../../inventory/types.js';
import type { Ec2Discovery } from '../../inventory/types.js';

// The EC2 client is the heaviest module of the tool: loaded only for an inventory that has `ec2:` groups.
const discoverEc2: Ec2Discovery = async (query) =>
  (await import('../../clouds/aws/ec2-discovery.js')).discoverEc2(query);

/** The inventory, after its own AWS profile settings (runs/aws-profile.ts) are made the run's. */
export function loadFleet(file: string): Promise<Inventory> {
  useInventoryAwsProfile(file);
  return loadInventory(file, { discover: discoverEc2 });
}
