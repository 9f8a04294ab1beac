/**
 * The direction of popkit's data flow, checked by dependency-cruiser (`npm run check`).
 * Rooms are listed from the bottom up; a room may import the rooms listed before it, never
 * one listed after it. See docs/architecture.md.
 */
const LAYERS = [
  ['linalg', 'optim', 'stats'], // numerical kernels: no domain code
  ['data'],
  ['events'],
  ['model'],
  ['modeling', 'pk'],
  ['subject'],
  ['estimation', 'lmm'], // lmm and estimation do not import each other
  ['glmm', 'gee', 'gwas'],
  ['simulation', 'tools'],
  ['nonmem'],
  ['report'],
  ['io'],
  ['cli'],
];

const room = (names) => `^src/(${names.join('|')})/`;
const above = (i) => LAYERS.slice(i + 1).flat();

const layerRules = LAYERS.flatMap((names, i) => (above(i).length === 0 ? [] : [{
  name: `layer-${names.join('-')}`,
  comment: `${names.join(', ')} must not import the rooms after them in the data flow (${above(i).join(', ')})`,
  severity: 'error',
  from: { path: room(names) },
  to: { path: room(above(i)) },
}]));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'lmm-estimation-apart',
      comment: 'the linear mixed-model core and population estimation do not import each other',
      severity: 'error',
      from: { path: room(['lmm']) },
      to: { path: room(['estimation']) },
    },
    {
      name: 'estimation-lmm-apart',
      comment: 'the linear mixed-model core and population estimation do not import each other',
      severity: 'error',
      from: { path: room(['estimation']) },
      to: { path: room(['lmm']) },
    },
    {
      name: 'kernels-within-their-rooms',
      comment: 'linalg, optim and stats import no domain code (only each other and errors.ts)',
      severity: 'error',
      from: { path: room(['linalg', 'optim', 'stats']) },
      to: { path: '^src/', pathNot: [room(['linalg', 'optim', 'stats']), '^src/errors\\.ts$'] },
    },
    {
      name: 'no-node-outside-io',
      comment: 'node: modules (files, paths, threads) only in src/io and src/cli, so that the core runs anywhere',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(io|cli)/', '^src/index\\.ts$', '^src/internal\\.ts$', '^src/api/node'] },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'nonmem-quarantined',
      comment: 'the NONMEM control-stream code is used only by report, io, cli and the entry points',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(nonmem|report|io|cli|api)/', '^src/(index|internal)\\.ts$'] },
      to: { path: room(['nonmem']) },
    },
    {
      name: 'entry-points-at-the-top',
      comment: 'nothing inside the rooms imports the public entry points',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: ['^src/(index|internal)\\.ts$', '^src/api/'] },
    },
    {
      name: 'no-circular',
      comment: 'modules do not import each other in a cycle',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
