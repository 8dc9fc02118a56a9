/**
 * Makes a lab's path vanish at a moment the test picks: one nftables table, added at runtime in the
 * middlebox namespace only, whose forward chain drops every packet it sees (both directions, the
 * NAT's established flows included). Priority -10 runs it before the scenario's own filter, so no
 * rule of the scenario lets anything through. Nothing outside that namespace is touched; the table
 * goes with the namespace when the lab is destroyed.
 */
import type { Lab } from './lab.js';

const DROP_TABLE = `table inet idlescope_lab_drop {
  chain forward {
    type filter hook forward priority -10; policy drop;
  }
}
`;

/** From now on the middlebox forwards nothing (resolves once nft has loaded the rule). */
export async function dropEverythingForwarded(lab: Lab): Promise<void> {
  await lab.exec(lab.middleboxNs, ['nft', '-f', '-'], DROP_TABLE);
}
