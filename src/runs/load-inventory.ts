// The inventory as every run loads it: the file, with `ec2:` groups resolved through EC2.
import { loadInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/types.js';
import { discoverEc2 } from '../clouds/aws/ec2-discovery.js';

export function loadFleet(file: string): Promise<Inventory> {
  return loadInventory(file, { discover: discoverEc2 });
}
