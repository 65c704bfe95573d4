import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';

/**
 * `lambdakit init`: a new CDK project from a template under `templates/init/<name>/` (plus
 * `templates/init/common/`), with a package.json whose versions of aws-cdk-lib, constructs,
 * aws-cdk, tsx and TypeScript are the ones this lambdakit is built and tested with.
 */

/** Where the templates are: the package root's `templates/init`, from `lib/init` and from `dist/init` alike. */
export const TEMPLATES_DIR = path.resolve(__dirname, '..', '..', 'templates', 'init');

/** The shared files every template starts from. */
const COMMON = 'common';

/** npm leaves `.gitignore` out of packages, so the templates hold it without the dot. */
const RENAMED: Readonly<Record<string, string>> = { gitignore: '.gitignore' };

export interface InitOptions {
  /** The project directory: created when missing, refused when not empty. */
  readonly dir: string;
  /** A directory name under `templates/init`. @default 'http' */
  readonly template?: string;
  /**
   * The `lambdakit` dependency: a version or range, or a path to a packed tarball or a checkout
   * (written as `file:<absolute path>`).
   * @default - this lambdakit's version
   */
  readonly lambdakit?: string;
  /** Resolves a relative `dir` and `lambdakit` path. @default process.cwd() */
  readonly cwd?: string;
}

export interface InitResult {
  readonly dir: string;
  readonly name: string;
  readonly template: string;
  /** The files written, posix paths relative to `dir`, sorted. */
  readonly files: readonly string[];
}

interface OwnPackage {
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
}

/** The templates there are: every directory of `templates/init` but the common files. */
export function initTemplates(): string[] {
  return fs
    .readdirSync(TEMPLATES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== COMMON)
    .map((e) => e.name)
    .sort();
}

/** Writes a new project; see {@link InitOptions}. */
export function createProject(options: InitOptions): InitResult {
  const cwd = options.cwd ?? process.cwd();
  const template = options.template ?? 'http';
  const templates = initTemplates();
  if (!templates.includes(template)) {
    throw new LambdakitError(`no template ${template}; the templates are ${templates.join(', ')}`, { code: 'UnknownTemplate', value: template, hint: `pass --template ${templates.join('|')}` });
  }
  const dir = path.resolve(cwd, options.dir);
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new LambdakitError(`${options.dir} exists and is not a directory`, { code: 'NotADirectory', file: dir, hint: 'name a new or empty directory' });
    const present = fs.readdirSync(dir);
    if (present.length > 0) {
      throw new LambdakitError(`${options.dir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}); init only writes into a new or empty directory`, {
        code: 'DirectoryNotEmpty',
        file: dir,
        hint: `name a new directory, e.g. lambdakit init ${path.basename(dir)}-app`,
      });
    }
  }

  const name = packageName(path.basename(dir));
  const own = ownPackage();
  const values: Readonly<Record<string, string>> = { name, stackName: stackName(name) };
  const files = new Map<string, Buffer>();
  for (const source of [COMMON, template]) {
    for (const file of listFiles(path.join(TEMPLATES_DIR, source))) {
      const target = file.split('/').map((part, i, parts) => (i === parts.length - 1 ? (RENAMED[part] ?? part) : part)).join('/');
      files.set(target, fill(fs.readFileSync(path.join(TEMPLATES_DIR, source, ...file.split('/'))), values));
    }
  }
  files.set('package.json', Buffer.from(`${JSON.stringify(packageJson(name, template, dependencySpec(options.lambdakit, own.version, cwd), own), null, 2)}\n`));

  for (const [file, content] of files) {
    const target = path.join(dir, ...file.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  return { dir, name, template, files: [...files.keys()].sort() };
}

function ownPackage(): OwnPackage {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../package.json') as OwnPackage;
}

/** The generated package.json: pins read from lambdakit's own package.json, so they move with it. */
function packageJson(name: string, template: string, lambdakit: string, own: OwnPackage): Record<string, unknown> {
  const pin = (dependency: string): string => {
    const version = own.dependencies[dependency] ?? own.devDependencies[dependency];
    if (!version) throw new Error(`lambdakit's package.json does not list ${dependency}`);
    return version;
  };
  const pins = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, pin(n)]));
  const unitTests = template === 'python' ? 'python3 -m unittest discover -s test' : 'node --import tsx --test test/*.test.ts';
  return {
    name,
    version: '0.1.0',
    private: true,
    scripts: {
      start: 'lambdakit dev',
      test: `tsc && ${unitTests}`,
      synth: 'cdk synth',
      deploy: 'cdk deploy --all',
    },
    dependencies: { 'aws-cdk-lib': pin('aws-cdk-lib'), constructs: pin('constructs'), lambdakit },
    devDependencies: pins(['@types/aws-lambda', '@types/node', 'aws-cdk', 'tsx', 'typescript']),
  };
}

/** A version or range is kept; a path that exists (a tarball, a checkout) becomes `file:<absolute path>`. */
function dependencySpec(spec: string | undefined, version: string, cwd: string): string {
  if (spec === undefined || spec === '') return version;
  if (/^(file|git|git\+\w+|github|https?|npm|link):/.test(spec)) return spec;
  const local = path.resolve(cwd, spec);
  if (fs.existsSync(local)) return `file:${local}`;
  if (/\.tgz$|[\\/]/.test(spec)) throw new LambdakitError(`--lambdakit ${spec}: no such file or directory`, { code: 'LambdakitNotFound', file: local, value: spec, hint: 'pass a version, or the path of a tarball made by npm pack' });
  return spec;
}

/** npm's rules: lower case, URL-safe, at most 214 characters. */
function packageName(base: string): string {
  const name = base.toLowerCase().replace(/[^a-z0-9._~-]+/g, '-').replace(/^[._-]+/, '').slice(0, 214);
  return name || 'lambdakit-app';
}

/** A CloudFormation stack name (letters, digits, hyphens; a letter first) from the project name: `my-app` → `MyApp`. */
function stackName(name: string): string {
  const pascal = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  return /^[A-Za-z]/.test(pascal) ? pascal.slice(0, 128) : `App${pascal}`.slice(0, 128);
}

/** `{{key}}` placeholders of text files; other files are copied as they are. */
function fill(content: Buffer, values: Readonly<Record<string, string>>): Buffer {
  if (content.includes(0)) return content;
  return Buffer.from(content.toString('utf8').replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole));
}

/** Files under a directory, posix paths relative to it, sorted. */
function listFiles(root: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== '__pycache__') out.push(...listFiles(root, relative));
    } else {
      out.push(relative);
    }
  }
  return out.sort();
}
