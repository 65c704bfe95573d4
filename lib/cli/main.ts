#!/usr/bin/env node
import { hideBin } from 'yargs/helpers';
import { runCli } from './program';

void runCli(hideBin(process.argv));
