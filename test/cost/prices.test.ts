import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_PRICE_FILE, loadPrices, percentileOf } from '../../lib';

describe('the price file', () => {
  it('is versioned with the date and region its prices were taken for', () => {
    const data = JSON.parse(fs.readFileSync(DEFAULT_PRICE_FILE, 'utf8'));
    assert.equal(data.version, 1);
    assert.match(data.takenOn, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(Object.keys(data.regions), ['us-east-1']);
    const sheet = loadPrices('us-east-1');
    assert.equal(sheet.secondsPerMonth, 730 * 3600);
    assert.deepEqual(sheet.freeTier, { requests: 1_000_000, gbSeconds: 400_000, appliesTo: data.freeTier.appliesTo });
    // Arm is priced below x86 for duration and provisioned concurrency.
    const p = sheet.prices;
    assert.ok(p.durationPerGbSecond.arm64[0].price < p.durationPerGbSecond.x86_64[0].price);
    assert.ok(p.provisionedConcurrencyPerGbSecond.arm64 < p.provisionedConcurrencyPerGbSecond.x86_64);
    assert.ok(p.provisionedDurationPerGbSecond.x86_64 < p.durationPerGbSecond.x86_64[0].price);
  });

  it('can be replaced by a file with other regions, and a malformed one is refused with every problem named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-prices-'));
    try {
      const data = JSON.parse(fs.readFileSync(DEFAULT_PRICE_FILE, 'utf8'));
      data.regions['eu-west-1'] = data.regions['us-east-1'];
      const good = path.join(dir, 'prices.json');
      fs.writeFileSync(good, JSON.stringify(data));
      assert.equal(loadPrices('eu-west-1', good).region, 'eu-west-1');

      delete data.regions['eu-west-1'].ephemeralStoragePerGbSecond;
      data.regions['eu-west-1'].durationPerGbSecond = { arm64: [{ upToGbSeconds: 1, price: 1 }], x86_64: [] };
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify(data));
      assert.throws(() => loadPrices('eu-west-1', bad), (error: Error) => {
        assert.match(error.message, /is malformed: .*eu-west-1\.ephemeralStoragePerGbSecond\.arm64 must be a price/);
        assert.match(error.message, /eu-west-1\.durationPerGbSecond\.arm64 must be tiers ending with one without upToGbSeconds/);
        return true;
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local durations', () => {
  it('take the nearest-rank percentile', () => {
    const tenRuns = [100, 10, 90, 20, 80, 30, 70, 40, 60, 50];
    assert.equal(percentileOf(tenRuns, 90), 90);
    assert.equal(percentileOf(tenRuns, 50), 50);
    assert.equal(percentileOf(tenRuns, 100), 100);
    assert.equal(percentileOf([42], 90), 42);
  });
});
