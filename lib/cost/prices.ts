import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';

export type Architecture = 'arm64' | 'x86_64';

/** A duration price tier: usage up to `upToGbSeconds` (cumulative, per architecture and month) costs `price`; the last tier has no bound. */
export interface PriceTier {
  readonly upToGbSeconds?: number;
  readonly price: number;
}

/** Lambda's public prices in one region, in USD. */
export interface RegionPrices {
  readonly requestsPerMillion: Readonly<Record<Architecture, number>>;
  /** On-demand duration, tiered on the account's monthly GB-seconds of each architecture. */
  readonly durationPerGbSecond: Readonly<Record<Architecture, readonly PriceTier[]>>;
  /** Configured provisioned concurrency, per GB-second it is configured (used or not). */
  readonly provisionedConcurrencyPerGbSecond: Readonly<Record<Architecture, number>>;
  /** Duration of invocations that run on provisioned concurrency. */
  readonly provisionedDurationPerGbSecond: Readonly<Record<Architecture, number>>;
  /** Ephemeral storage above the free 512 MB, per GB-second of execution. */
  readonly ephemeralStoragePerGbSecond: Readonly<Record<Architecture, number>>;
}

/** The price data file (lib/cost/prices.json, or one given with --prices). */
export interface PriceFile {
  readonly version: number;
  readonly currency: string;
  /** The day the prices were read from the source, YYYY-MM-DD. */
  readonly takenOn: string;
  readonly source: string;
  /** Hours in a billing month; AWS's own examples use 730. */
  readonly hoursPerMonth: number;
  readonly freeTier: { readonly requests: number; readonly gbSeconds: number; readonly appliesTo: string };
  readonly regions: Readonly<Record<string, RegionPrices>>;
}

/** Prices of one region with where they came from. */
export interface PriceSheet {
  readonly file: string;
  readonly version: number;
  readonly takenOn: string;
  readonly region: string;
  readonly currency: string;
  readonly secondsPerMonth: number;
  readonly freeTier: PriceFile['freeTier'];
  readonly prices: RegionPrices;
}

export const DEFAULT_PRICE_FILE = path.join(__dirname, 'prices.json');

const ARCHITECTURES: readonly Architecture[] = ['arm64', 'x86_64'];

/** Loads the prices of `region`; a region the file does not cover is an error naming the regions it does. */
export function loadPrices(region: string, file: string = DEFAULT_PRICE_FILE): PriceSheet {
  let data: PriceFile;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8')) as PriceFile;
  } catch (error) {
    throw new LambdakitError(`cannot read the price file ${file}: ${(error as Error).message.split('\n')[0]}`, { code: 'PriceFileUnreadable', file, cause: error });
  }
  validatePriceFile(data, file);
  const prices = data.regions[region];
  if (!prices) {
    throw new LambdakitError(`the price file has no Lambda prices for region ${region} (it has ${Object.keys(data.regions).join(', ')}; taken ${data.takenOn})`, {
      code: 'NoPricesForRegion',
      file,
      value: region,
      hint: `add the region's prices to ${file} (or pass --prices <file>), or estimate with --region ${Object.keys(data.regions)[0]}`,
    });
  }
  return {
    file,
    version: data.version,
    takenOn: data.takenOn,
    region,
    currency: data.currency,
    secondsPerMonth: data.hoursPerMonth * 3600,
    freeTier: data.freeTier,
    prices,
  };
}

function validatePriceFile(data: PriceFile, file: string): void {
  const problems: string[] = [];
  const isPrice = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (typeof data !== 'object' || data === null) problems.push('not an object');
  else {
    if (!(data.hoursPerMonth > 0)) problems.push('hoursPerMonth must be a positive number');
    if (!isPrice(data.freeTier?.requests) || !isPrice(data.freeTier?.gbSeconds)) problems.push('freeTier needs requests and gbSeconds');
    if (typeof data.takenOn !== 'string') problems.push('takenOn (YYYY-MM-DD) is missing');
    for (const [region, p] of Object.entries(data.regions ?? {})) {
      for (const arch of ARCHITECTURES) {
        for (const key of ['requestsPerMillion', 'provisionedConcurrencyPerGbSecond', 'provisionedDurationPerGbSecond', 'ephemeralStoragePerGbSecond'] as const) {
          if (!isPrice(p[key]?.[arch])) problems.push(`${region}.${key}.${arch} must be a price`);
        }
        const tiers = p.durationPerGbSecond?.[arch];
        if (!Array.isArray(tiers) || tiers.length === 0 || !tiers.every((t) => isPrice(t.price)) || tiers.at(-1)?.upToGbSeconds !== undefined) {
          problems.push(`${region}.durationPerGbSecond.${arch} must be tiers ending with one without upToGbSeconds`);
        }
      }
    }
  }
  if (problems.length > 0) throw new LambdakitError(`the price file ${file} is malformed: ${problems.join('; ')}`, { code: 'PriceFileInvalid', file });
}

/** The cost of `gbSeconds` of on-demand duration in one month, each tier at its own price. */
export function tieredCost(gbSeconds: number, tiers: readonly PriceTier[]): number {
  let cost = 0;
  let below = 0;
  for (const tier of tiers) {
    const top = tier.upToGbSeconds ?? Infinity;
    const inTier = Math.max(0, Math.min(gbSeconds, top) - below);
    cost += inTier * tier.price;
    below = top;
    if (gbSeconds <= top) break;
  }
  return cost;
}
