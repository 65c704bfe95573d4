#!/usr/bin/env node
import { hideBin } from 'yargs/helpers';

// The AWS SDK prints a multi-line notice about Node.js 20 before every command's
// output; lambdakit supports Node 20 (engines >= 20.19), so keep the output clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { runCli } from './program';

void runCli(hideBin(process.argv));
