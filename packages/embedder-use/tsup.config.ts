import { createTsupConfig } from '../../tools/tsup.config.base.mjs';

export default createTsupConfig({ entry: { index: 'src/index.ts' } });
