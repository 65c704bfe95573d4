import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateEventBusCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { startBusBridge } from '../../lib/dev/bridges';
import type { DevInvoker, DevWorker } from '../../lib/dev/invoker';
import { startMotoServer, type MotoServer } from '../../lib/dev/moto-server';
import { matchesPattern } from '../../lib/dev/patterns';
import { serviceClients, type ServiceClients } from '../../lib/dev/services';

let moto: MotoServer;
let clients: ServiceClients;
let bridge: DevWorker | undefined;
const calls: Array<{ fn: string; payload: unknown }> = [];
const invoker: DevInvoker = {
  invoke: async () => ({ payload: 'null' }),
  invokeAsync: async (target, payload) => void calls.push({ fn: target.functionPath, payload: JSON.parse(payload) }),
};

before(async () => {
  moto = await startMotoServer();
  clients = serviceClients(moto.endpoint);
});
after(async () => {
  await bridge?.stop();
  clients?.destroy();
  await moto?.close();
});

test('an event put on a bus reaches a matching rule target as its input transformer shapes it, and nothing reaches a rule that does not match', async () => {
  await clients.events.send(new CreateEventBusCommand({ Name: 'shop' }));
  bridge = await startBusBridge(
    clients,
    'shop',
    [
      {
        target: { functionPath: 'Fns/Notify', qualifier: 'live' },
        ruleName: 'Shop/BigOrders',
        awsRuleName: 'big-orders',
        ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/shop/big-orders',
        matches: (e) => matchesPattern({ 'detail-type': ['order.placed'], detail: { items: { qty: [{ numeric: ['>=', 10] }] } } }, e),
        inputTransformer: { inputPathsMap: { id: '$.detail.id', first: '$.detail.items[0].sku' }, inputTemplate: '{"order":<id>,"text":"order <id> starts with <first>","rule":"<aws.events.rule-arn>","name":"<aws.events.rule-name>"}' },
      },
      { target: { functionPath: 'Fns/Refunds' }, ruleName: 'refunds', matches: (e) => matchesPattern({ 'detail-type': ['order.refunded'] }, e) },
    ],
    invoker,
  );
  await clients.events.send(
    new PutEventsCommand({ Entries: [{ EventBusName: 'shop', Source: 'app.orders', DetailType: 'order.placed', Detail: JSON.stringify({ id: 'o-1', items: [{ sku: 'pen', qty: 2 }, { sku: 'ink', qty: 12 }] }) }] }),
  );
  for (let i = 0; i < 100 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(calls, [{ fn: 'Fns/Notify', payload: { order: 'o-1', text: 'order o-1 starts with pen', rule: 'arn:aws:events:us-east-1:123456789012:rule/shop/big-orders', name: 'big-orders' } }]);
});
