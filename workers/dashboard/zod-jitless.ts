import * as z from 'zod';

// Imported first (module order is evaluation order): zod's schemas probe `new Function` when built unless
// told not to, and under the page's CSP (no eval) the probe is reported as a violation even though zod copes.
z.config({ jitless: true });
