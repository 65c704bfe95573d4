import { createHash } from 'node:crypto';

export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly items: OrderItem[];
}

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const CURRENCIES = new Set(['USD', 'EUR', 'GBP', 'JPY']);
const MAX_ITEMS = 100;

/** Validates a POST /orders body, collecting every field error. */
export function validateOrder(body: unknown): { order?: Order; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { errors: [{ field: 'body', message: 'must be a JSON object' }] };
  const b = body as Record<string, unknown>;
  if (typeof b.orderId !== 'string' || !ID.test(b.orderId)) errors.push({ field: 'orderId', message: 'must be 1-64 letters, digits, - or _' });
  if (typeof b.customerId !== 'string' || !ID.test(b.customerId)) errors.push({ field: 'customerId', message: 'must be 1-64 letters, digits, - or _' });
  const currency = b.currency ?? 'USD';
  if (typeof currency !== 'string' || !CURRENCIES.has(currency)) errors.push({ field: 'currency', message: `must be one of ${[...CURRENCIES].join(', ')}` });
  if (!Array.isArray(b.items) || b.items.length === 0 || b.items.length > MAX_ITEMS) {
    errors.push({ field: 'items', message: `must be a list of 1-${MAX_ITEMS} items` });
  } else {
    b.items.forEach((item, i) => {
      const it = (item ?? {}) as Record<string, unknown>;
      if (typeof it.sku !== 'string' || !ID.test(it.sku)) errors.push({ field: `items[${i}].sku`, message: 'must be 1-64 letters, digits, - or _' });
      if (!Number.isInteger(it.quantity) || (it.quantity as number) < 1 || (it.quantity as number) > 1000) errors.push({ field: `items[${i}].quantity`, message: 'must be a whole number from 1 to 1000' });
      if (typeof it.unitPrice !== 'number' || !Number.isFinite(it.unitPrice) || it.unitPrice < 0) errors.push({ field: `items[${i}].unitPrice`, message: 'must be a number of at least 0' });
    });
  }
  if (errors.length) return { errors };
  return {
    errors,
    order: {
      orderId: b.orderId as string,
      customerId: b.customerId as string,
      currency: currency as string,
      items: (b.items as OrderItem[]).map((i) => ({ sku: i.sku, quantity: i.quantity, unitPrice: i.unitPrice })),
    },
  };
}

/** Order total in minor units summed, then back to a 2-decimal amount (no float drift). */
export function orderTotal(order: Order): number {
  const cents = order.items.reduce((sum, i) => sum + Math.round(i.unitPrice * 100) * i.quantity, 0);
  return cents / 100;
}

/** A stable fingerprint of what was asked, to tell a retry from a different order reusing the id. */
export function fingerprint(order: Order): string {
  return createHash('sha256').update(JSON.stringify([order.orderId, order.customerId, order.currency, order.items.map((i) => [i.sku, i.quantity, i.unitPrice])])).digest('hex');
}
