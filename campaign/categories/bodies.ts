/**
 * REST bodies against payments.create: case-folding twins at any depth, exact duplicates, escaped
 * lone surrogates, numbers as strings, overflow, query/body disagreement. Oracle: what a Go
 * upstream binds (case-insensitive, last key wins) must satisfy the policy, or the gate denies.
 */
import type { Category } from '../category.js';
import { financeAgent, paymentGranted, PAYMENTS } from '../agents.js';
import { goField } from '../upstream-view.js';
import type { Rng } from '../rng.js';

const TWINS: Record<string, readonly string[]> = {
  amount: ['AMOUNT', 'Amount', 'amounT', 'AMOUNT'],
  destination: ['DESTINATION', 'deſtination', 'Destination', 'DEſTINATION'],
  payment_id: ['PAYMENT_ID', 'Payment_Id', 'payment_Id'],
};

function member(key: string, value: unknown): string {
  return `${JSON.stringify(key)}:${typeof value === 'string' && value.startsWith('RAW:') ? value.slice(4) : JSON.stringify(value)}`;
}

function buildBody(rng: Rng, index: number): { text: string; query: string } {
  const members: string[] = [];
  const id = `p-c${index}`;
  members.push(member('payment_id', id));
  members.push(member('amount', rng.pick([100, 4999, 5000, 5001, 9000, -1, 0.5])));
  members.push(member('destination', rng.pick(['acct_ABCDEFGH12', 'acct_short', 'acct_ABCDEFGH12\n', 'evil'])));
  const mutations = 1 + rng.int(3);
  for (let m = 0; m < mutations; m++) {
    switch (rng.int(10)) {
      case 0: {
        const field = rng.pick(Object.keys(TWINS));
        members.push(member(rng.pick(TWINS[field]!), field === 'amount' ? rng.pick([9000, 100, '9000']) : field === 'destination' ? 'acct_EVIL000000' : 'p-other'));
        break;
      }
      case 1:
        members.push(member('amount', rng.pick([9000, 100])));
        break;
      case 2:
        members.push(member('meta', { note: 'a', [rng.pick(['NOTE', 'Note', 'noте'])]: 'b' }));
        break;
      case 3:
        members.push(member('memo', `RAW:"x\\u${rng.pick(['d800', 'dc00', 'dbff'])}y"`));
        break;
      case 4:
        members.push(member('amount_str', 'RAW:"6000"'));
        members[1] = member('amount', rng.pick(['6000', '100']));
        break;
      case 5:
        members[1] = member('amount', `RAW:${rng.pick(['1e400', '-1e400', '1e-400', '123456789012345678901234567890'])}`);
        break;
      case 6:
        members.push(member('items', [{ sku: 1 }, { sku: 2, [rng.pick(['SKU', 'ſku', 'Sku'])]: 3 }]));
        break;
      case 7:
        members.push(member(rng.pick(['\u212Aey', 'key', 'KEY']), 1), member('kEy', 2));
        break;
      case 8:
        members.push(member('extra', 'RAW:' + '['.repeat(20 + rng.int(20)) + ']'.repeat(20 + rng.int(20))));
        break;
      default:
        members.push(member('note', rng.pick(['plain', 'é', '\u202Eevil', '\u0000'])));
    }
  }
  for (let i = members.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [members[i], members[j]] = [members[j]!, members[i]!];
  }
  const query = rng.chance(0.15) ? rng.pick(['?amount=9000', '?AMOUNT=9000', '?destination=acct_EVIL000000', '?payment_id=p-other']) : '';
  return { text: `{${members.join(',')}}`, query };
}

export const category: Category = {
  name: 'bodies',
  cases: { short: 2_500, long: 25_000 },
  start(env) {
    return {
      async runCase(rng, index) {
        const { text, query } = buildBody(rng, index);
        const agent = await financeAgent(env.gate);
        const answer = await env.check({ ...PAYMENTS, path: `/payments${query}`, body: text, ...agent });
        const views = [[goField(text, 'amount'), goField(text, 'destination'), goField(text, 'payment_id')]];
        const params = new URLSearchParams(query);
        for (const [key, value] of params) {
          const view = [...views[0]!];
          const at = ['amount', 'destination', 'payment_id'].indexOf(key.toLowerCase());
          if (at >= 0) view[at] = at === 0 ? Number(value) : value;
          views.push(view);
        }
        const granted = views.every(([a, d, p]) => paymentGranted(a, d, p));
        return { label: `${query} ${text.slice(0, 160)}`, exchanges: [{ expect: { allow: granted ? 'may' : 'never' }, answer }] };
      },
    };
  },
};
