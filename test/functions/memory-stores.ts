/**
 * In-memory implementations of the handlers' store seams, with the same
 * semantics as the DynamoDB ones (conditional puts keep the first write), so
 * unit tests run the handlers' logic without AWS. The DynamoDB versions are
 * proven against moto in dynamo-stores.test.ts.
 */
import type { ExpiryStore } from '../../functions/cleanup/handler';
import type { Key } from '../../functions/shared/aws';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from '@aws-lambda-powertools/idempotency';
import type { OrderResponse, OrderStore } from '../../functions/orders/handler';
import type { Order } from '../../functions/orders/order';
import type { User, UserStore } from '../../functions/users/handler';

export function memoryUserStore(users: User[]): UserStore {
  const byId = new Map(users.map((u) => [u.userId, u]));
  return { get: async (userId) => byId.get(userId) };
}

/** Order items by id; a put never replaces one, as the conditional put does. */
export function memoryOrderStore(): OrderStore & { readonly items: Map<string, { order: Order; response: OrderResponse }> } {
  const items = new Map<string, { order: Order; response: OrderResponse }>();
  return {
    items,
    async put(order, response) {
      if (items.has(order.orderId)) return 'exists';
      items.set(order.orderId, { order, response });
      return 'created';
    },
  };
}

/**
 * Powertools' idempotency records in a map, with the DynamoDB layer's semantics:
 * a put fails while an unexpired record holds the key (handing it back, as
 * ReturnValuesOnConditionCheckFailure does), updates and deletes always apply.
 */
export class MemoryPersistenceLayer extends BasePersistenceLayer {
  public readonly records = new Map<string, IdempotencyRecord>();

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = this.records.get(idempotencyKey);
    if (!record) throw new IdempotencyItemNotFoundError();
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    if (existing && !existing.isExpired()) throw new IdempotencyItemAlreadyExistsError(`record exists for ${record.idempotencyKey}`, existing);
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}

export interface ExpiringItem extends Key {
  readonly expiresAt?: number;
}

/**
 * A table of items with `expiresAt`, scanned in pages of `pageSize`; `throttle`
 * says how many keys of a delete call to leave unprocessed, as DynamoDB does
 * under load.
 */
export function memoryExpiryStore(items: ExpiringItem[], options: { pageSize?: number; throttle?: (call: number, keys: Key[]) => number } = {}) {
  const table = new Map(items.map((i) => [`${i.pk}|${i.sk}`, i]));
  const pageSize = options.pageSize ?? 1000;
  let deleteCalls = 0;
  const store: ExpiryStore = {
    async expired(now, startKey) {
      // Pages are over the whole table, filtered afterwards, as a Scan's FilterExpression is.
      // and, like DynamoDB, it resumes after the start key even if that item was deleted since.
      const id = (i: { pk: unknown; sk: unknown }) => `${i.pk}|${i.sk}`;
      const after = startKey ? id({ pk: startKey.pk, sk: startKey.sk }) : undefined;
      const rest = [...table.values()].sort((a, b) => (id(a) < id(b) ? -1 : 1)).filter((i) => after === undefined || id(i) > after);
      const page = rest.slice(0, pageSize);
      const last = page.at(-1);
      return {
        keys: page.filter((i) => i.expiresAt !== undefined && i.expiresAt < now).map(({ pk, sk }) => ({ pk, sk })),
        next: rest.length > pageSize && last ? { pk: last.pk, sk: last.sk } : undefined,
      };
    },
    async delete(keys) {
      if (keys.length > 25) throw new Error(`BatchWriteItem takes at most 25 requests, got ${keys.length}`);
      const leave = options.throttle?.(deleteCalls++, keys) ?? 0;
      const processed = keys.slice(0, keys.length - leave);
      for (const k of processed) table.delete(`${k.pk}|${k.sk}`);
      return keys.slice(keys.length - leave);
    },
  };
  return { store, table, deleteCalls: () => deleteCalls };
}
