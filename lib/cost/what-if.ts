import { LambdakitError } from '../errors';
import { type FunctionUsage, estimateCost } from './estimate';
import type { PriceSheet } from './prices';

/** Lambda gives a function one full vCPU at 1,769 MB and a proportional share below. */
export const ONE_VCPU_MB = 1769;

/** One function at one memory size, under both duration models. */
export interface WhatIfRow {
  readonly stackName: string;
  readonly constructPath: string;
  readonly memoryMb: number;
  /** True for the memory the function has now. */
  readonly current: boolean;
  /** Duration unchanged by memory (the function waits on I/O). */
  readonly io: { readonly billedDurationMs: number; readonly total: number };
  /** Duration scaled by the CPU share (single-threaded, CPU-bound code). */
  readonly cpu: { readonly billedDurationMs: number; readonly total: number };
}

/** Parses `--memory 256,512,1024`; every value must be a Lambda memory size. */
export function parseMemoryList(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = parts.filter((s) => !/^\d+$/.test(s) || Number(s) < 128 || Number(s) > 10240);
  if (parts.length === 0 || bad.length > 0) {
    throw new LambdakitError(`--memory ${bad.length > 0 ? bad.join(', ') : '(empty)'}: memory sizes must be whole MB from 128 to 10240`, {
      code: 'MemoryOutOfRange',
      value: text,
      limit: '128-10240 MB',
      hint: 'e.g. --memory 256,512,1024',
    });
  }
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/** Duration of CPU-bound work at another memory size: it scales with the inverse of the CPU share. */
export function cpuScaledDuration(durationMs: number, fromMb: number, toMb: number): number {
  return (durationMs * Math.min(fromMb, ONE_VCPU_MB)) / Math.min(toMb, ONE_VCPU_MB);
}

/**
 * What each function would cost at other memory sizes. The truth lies
 * between the two models: I/O-bound code takes as long at any size, while
 * CPU-bound code speeds up with the CPU Lambda allocates to the memory. Each
 * memory size is priced as if every function had it, so the duration tiers
 * see the whole app.
 */
export function memoryWhatIf(usages: readonly FunctionUsage[], memories: readonly number[], sheet: PriceSheet): WhatIfRow[] {
  const sizes = [...new Set([...memories, ...usages.map((u) => u.memoryMb)])].sort((a, b) => a - b);
  const byMemory = new Map(
    sizes.map((memoryMb) => {
      const io = estimateCost(usages.map((u) => ({ ...u, memoryMb })), sheet, { freeTier: false });
      const cpu = estimateCost(
        usages.map((u) => ({ ...u, memoryMb, durationMs: u.durationMs === undefined ? undefined : cpuScaledDuration(u.durationMs, u.memoryMb, memoryMb) })),
        sheet,
        { freeTier: false },
      );
      return [memoryMb, { io, cpu }] as const;
    }),
  );
  const rows: WhatIfRow[] = [];
  usages.forEach((u, i) => {
    // A function that costs nothing at any size (no traffic, nothing provisioned) would only add rows of zeros.
    if (u.invocationsPerMonth === 0 && u.provisionedConcurrency === 0) return;
    for (const memoryMb of sizes) {
      // Sizes nobody asked for are only there for the function that has them now.
      if (!memories.includes(memoryMb) && memoryMb !== u.memoryMb) continue;
      const { io, cpu } = byMemory.get(memoryMb)!;
      rows.push({
        stackName: u.stackName,
        constructPath: u.constructPath,
        memoryMb,
        current: memoryMb === u.memoryMb,
        io: { billedDurationMs: io.functions[i].billedDurationMs, total: io.functions[i].total },
        cpu: { billedDurationMs: cpu.functions[i].billedDurationMs, total: cpu.functions[i].total },
      });
    }
  });
  return rows;
}
