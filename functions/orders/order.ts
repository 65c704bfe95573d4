import { z } from 'zod';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ID_MESSAGE = 'must be 1-64 letters, digits, - or _';
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY'] as const;
const MAX_ITEMS = 100;

const id = z.string({ error: ID_MESSAGE }).regex(ID, { error: ID_MESSAGE });

/** One line of an order. Anything that is not an object is checked as an empty one, so each missing field is named. */
export const OrderItemSchema = z.preprocess(
  (value) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}),
  z.object({
    sku: id,
    quantity: z.int({ error: 'must be a whole number from 1 to 1000' }).min(1, { error: 'must be a whole number from 1 to 1000' }).max(1000, { error: 'must be a whole number from 1 to 1000' }),
    unitPrice: z.number({ error: 'must be a number of at least 0' }).min(0, { error: 'must be a number of at least 0' }),
  }),
);

/** A POST /orders body. zod reports every field at once, in this order. */
export const OrderSchema = z.object(
  {
    orderId: id,
    customerId: id,
    currency: z.enum(CURRENCIES, { error: `must be one of ${CURRENCIES.join(', ')}` }).default('USD'),
    items: z.array(OrderItemSchema, { error: `must be a list of 1-${MAX_ITEMS} items` })
      .min(1, { error: `must be a list of 1-${MAX_ITEMS} items` })
      .max(MAX_ITEMS, { error: `must be a list of 1-${MAX_ITEMS} items` }),
  },
  { error: 'must be a JSON object' },
);

export type Order = z.infer<typeof OrderSchema>;
export type OrderItem = Order['items'][number];

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** zod's issues as the API's field errors: `items.0.quantity` → `items[0].quantity`, the whole body → `body`. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : name ? `${name}.${String(key)}` : String(key)), '') || 'body',
    message: issue.message,
  }));
}

/** Order total in minor units summed, then back to a 2-decimal amount (no float drift). */
export function orderTotal(order: Order): number {
  const cents = order.items.reduce((sum, i) => sum + Math.round(i.unitPrice * 100) * i.quantity, 0);
  return cents / 100;
}
