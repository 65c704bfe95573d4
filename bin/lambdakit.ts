#!/usr/bin/env node
import { runCli } from '../lib/cli/program';
import { hideBin } from 'yargs/helpers';

void runCli(hideBin(process.argv));
