import * as fs from 'node:fs';
import * as path from 'node:path';

/** The console's page, script and stylesheet, as served. */
export interface ConsoleAssets {
  readonly js: string;
  readonly css: string;
}

/** Where `npm run build` (scripts/copy-assets.mjs) writes the bundle, beside this module in dist/. */
export const BUILT_DIR = path.join(__dirname, 'ui-dist');
/** The UI's sources (Preact + htm, plain JavaScript modules), beside this module in lib/. */
export const SOURCE_DIR = path.join(__dirname, 'ui');

/**
 * Bundles the UI with esbuild: `main.js` and what it imports (preact, htm) into one script,
 * `console.css` as it is. Nothing is fetched at run time, so the console works offline.
 */
export async function buildConsoleAssets(sourceDir = SOURCE_DIR): Promise<ConsoleAssets> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(sourceDir, 'main.js')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return { js: result.outputFiles[0].text, css: fs.readFileSync(path.join(sourceDir, 'console.css'), 'utf8') };
}

let loading: Promise<ConsoleAssets> | undefined;

/**
 * The console's assets: the bundle the published package ships (dist/dev/console/ui-dist), or,
 * running from source, a bundle built in memory on first use and kept for the process.
 */
export function consoleAssets(): Promise<ConsoleAssets> {
  loading ??= (async () => {
    const js = path.join(BUILT_DIR, 'console.js');
    if (fs.existsSync(js)) return { js: fs.readFileSync(js, 'utf8'), css: fs.readFileSync(path.join(BUILT_DIR, 'console.css'), 'utf8') };
    return buildConsoleAssets();
  })();
  // A failed build is not kept: the next request tries again (after the source is fixed).
  loading.catch(() => (loading = undefined));
  return loading;
}

/** The page: a shell the script fills in. */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lambdakit dev console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console.css">
</head>
<body>
<div id="app"><p class="loading">Loading the console…</p></div>
<script type="module" src="/assets/console.js"></script>
</body>
</html>
`;
