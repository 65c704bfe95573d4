import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FunctionUsage, billedDuration, estimateCost, loadPrices, tieredCost } from '../../lib';

const prices = loadPrices('us-east-1');
const cents = (amount: number) => Math.round(amount * 100) / 100;

function usage(overrides: Partial<FunctionUsage>): FunctionUsage {
  return {
    stackName: 'Api',
    constructPath: 'Api/Fn',
    architecture: 'arm64',
    memoryMb: 512,
    ephemeralStorageMb: 512,
    provisionedConcurrency: 0,
    invocationsPerMonth: 0,
    assumptions: [],
    ...overrides,
  };
}

describe('the cost formula, checked against hand-worked examples', () => {
  it('3 million requests a month at 512 MB and 120 ms on Arm', () => {
    // requests: 3,000,000 / 1,000,000 × $0.20                       = $0.60
    // compute:  3,000,000 × 0.120 s × (512 / 1024) GB = 180,000 GB-s
    //           180,000 × $0.0000133334                              = $2.400012 → $2.40
    // total before the free tier                                     = $3.00
    // free tier: 1,000,000 requests × $0.20 / 1M                     = -$0.20
    //            180,000 GB-s (under 400,000) × $0.0000133334        = -$2.40
    // total                                                          = $0.40
    const estimate = estimateCost([usage({ invocationsPerMonth: 3_000_000, durationMs: 120 })], prices);
    const [fn] = estimate.functions;
    assert.equal(fn.gbSeconds.onDemand, 180_000);
    assert.equal(cents(fn.requests), 0.6);
    assert.equal(cents(fn.compute), 2.4);
    assert.equal(cents(fn.total), 3.0);
    assert.equal(cents(estimate.stacks[0].total), 3.0);
    assert.equal(cents(estimate.freeTier.credit.requests), -0.2);
    assert.equal(cents(estimate.freeTier.credit.compute), -2.4);
    assert.equal(cents(estimate.total), 0.4);

    const withoutFreeTier = estimateCost([usage({ invocationsPerMonth: 3_000_000, durationMs: 120 })], prices, { freeTier: false });
    assert.equal(withoutFreeTier.freeTier.credit.total, 0);
    assert.equal(cents(withoutFreeTier.total), 3.0);
  });

  it('provisioned concurrency is paid all month, and invocations on it pay the lower duration price', () => {
    // x86, 1024 MB = 1 GB, provisioned concurrency 2, 10,000,000 invocations of 49.2 ms (billed 50 ms)
    // average concurrency: 10,000,000 × 0.050 s / (730 h × 3600 s = 2,628,000 s) = 0.19 ≤ 2 → all on provisioned
    // provisioned: 2 × 1 GB × 2,628,000 s = 5,256,000 GB-s × $0.0000041667 = $21.9001752 → $21.90
    // compute:     10,000,000 × 0.050 s × 1 GB = 500,000 GB-s × $0.0000097222 = $4.8611 → $4.86
    // requests:    10 × $0.20                                               = $2.00
    // total                                                                 = $28.7612752 → $28.76
    // the free tier does not cover functions with provisioned concurrency  → total stays $28.76
    const estimate = estimateCost([usage({ architecture: 'x86_64', memoryMb: 1024, provisionedConcurrency: 2, invocationsPerMonth: 10_000_000, durationMs: 49.2 })], prices);
    const [fn] = estimate.functions;
    assert.equal(fn.billedDurationMs, 50);
    assert.equal(fn.onProvisionedShare, 1);
    assert.equal(cents(fn.provisioned), 21.9);
    assert.equal(cents(fn.compute), 4.86);
    assert.equal(cents(fn.requests), 2.0);
    assert.equal(cents(fn.total), 28.76);
    assert.equal(estimate.freeTier.credit.total, 0);
    assert.equal(cents(estimate.total), 28.76);
  });

  it('traffic above the provisioned concurrency spills over to on-demand prices', () => {
    // Arm, 2048 MB = 2 GB, provisioned concurrency 1, 100,000,000 invocations of 100 ms
    // execution: 100,000,000 × 0.1 s = 10,000,000 s → average concurrency 10,000,000 / 2,628,000 = 3.805
    // on provisioned: 1 × 2,628,000 s × 2 GB = 5,256,000 GB-s × $0.0000077778 = $40.8801168
    // on-demand:      10,000,000 s × 2 GB − 5,256,000 = 14,744,000 GB-s × $0.0000133334 = $196.5876496
    // provisioned:    5,256,000 GB-s × $0.0000033334                              = $17.5203504
    // requests:       100 × $0.20                                                  = $20.00
    // total: 20 + 196.5876496 + 40.8801168 + 17.5203504                            = $274.9881168 → $274.99
    const estimate = estimateCost([usage({ memoryMb: 2048, provisionedConcurrency: 1, invocationsPerMonth: 100_000_000, durationMs: 100 })], prices, { freeTier: false });
    const [fn] = estimate.functions;
    assert.equal(Math.round(fn.gbSeconds.onProvisioned), 5_256_000);
    assert.equal(Math.round(fn.gbSeconds.onDemand), 14_744_000);
    assert.equal(cents(fn.compute), cents(196.5876496 + 40.8801168));
    assert.equal(cents(fn.provisioned), 17.52);
    assert.equal(cents(fn.total), 274.99);
  });

  it('ephemeral storage above 512 MB is billed per GB-second of execution', () => {
    // x86, 128 MB, 10,240 MB ephemeral storage, 2,000,000 invocations of 1,000 ms
    // ephemeral: 2,000,000 s × (10,240 − 512) / 1024 = 9.5 GB → 19,000,000 GB-s × $0.0000000309 = $0.5871 → $0.59
    // compute:   2,000,000 s × 0.125 GB = 250,000 GB-s × $0.0000166667 = $4.166675 → $4.17
    // requests:  2 × $0.20 = $0.40; total $5.153775 → $5.15
    const estimate = estimateCost([usage({ architecture: 'x86_64', memoryMb: 128, ephemeralStorageMb: 10240, invocationsPerMonth: 2_000_000, durationMs: 1000 })], prices, { freeTier: false });
    const [fn] = estimate.functions;
    assert.equal(cents(fn.ephemeral), 0.59);
    assert.equal(cents(fn.compute), 4.17);
    assert.equal(cents(fn.total), 5.15);
  });

  it('applies the duration tiers to the GB-seconds of all functions of an architecture together', () => {
    // x86, 10,240 MB = 10 GB; two functions of 350,000,000 invocations of 1 s: 7,000,000,000 GB-s in all
    // first 6,000,000,000 × $0.0000166667 = $100,000.20; next 1,000,000,000 × $0.000015 = $15,000.00
    // compute $115,000.20, split evenly: $57,500.10 each; requests 2 × 350 × $0.20 = $140.00
    const big = (name: string) => usage({ constructPath: `Api/${name}`, architecture: 'x86_64', memoryMb: 10240, invocationsPerMonth: 350_000_000, durationMs: 1000 });
    const estimate = estimateCost([big('A'), big('B')], prices, { freeTier: false });
    assert.equal(cents(estimate.functions[0].compute), 57_500.1);
    assert.equal(cents(estimate.total), 115_140.2);
    assert.equal(cents(tieredCost(20e9, prices.prices.durationPerGbSecond.arm64)), cents(7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667));
  });

  it('rounds each invocation up to the next millisecond', () => {
    assert.equal(billedDuration(0.4), 1);
    assert.equal(billedDuration(120), 120);
    assert.equal(billedDuration(120.0001), 121);
    assert.equal(billedDuration(60 * 2.0000000000000001), 120);
  });

  it('takes the free tier once for the whole estimate, only from functions without provisioned concurrency', () => {
    // x86 and Arm, 400,000 GB-s each (1 GB, 400,000 invocations of 1 s), plus a provisioned function with 5,000,000 requests.
    // free GB-s: 400,000, credited half at each architecture's first-tier price:
    //   200,000 × $0.0000166667 + 200,000 × $0.0000133334 = $3.33334 + $2.66668 = $6.00002 → -$6.00
    // free requests: only the 800,000 of the two functions without provisioned concurrency: -$0.16
    const estimate = estimateCost(
      [
        usage({ constructPath: 'Api/X86', architecture: 'x86_64', memoryMb: 1024, invocationsPerMonth: 400_000, durationMs: 1000 }),
        usage({ constructPath: 'Api/Arm', memoryMb: 1024, invocationsPerMonth: 400_000, durationMs: 1000 }),
        usage({ constructPath: 'Api/Warm', stackName: 'Warm', provisionedConcurrency: 1, invocationsPerMonth: 5_000_000, durationMs: 10 }),
      ],
      prices,
    );
    assert.equal(estimate.freeTier.gbSeconds, 400_000);
    assert.equal(estimate.freeTier.requests, 800_000);
    assert.equal(cents(estimate.freeTier.credit.compute), -6.0);
    assert.equal(cents(estimate.freeTier.credit.requests), -0.16);
    const stacks = estimate.stacks.reduce((n, s) => n + s.total, 0);
    assert.equal(cents(estimate.total), cents(stacks - 6.00002 - 0.16));
    // Stack totals stay before the free tier: it belongs to the account, not to a stack.
    assert.equal(cents(estimate.stacks.find((s) => s.stackName === 'Api')!.total), cents(0.16 + 400_000 * 0.0000166667 + 400_000 * 0.0000133334));
  });
});
