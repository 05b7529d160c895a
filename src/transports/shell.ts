// The one function through which every argument reaching a remote POSIX shell is quoted.
// Its pure core lives in src/core/shell-quote.ts so that the pure probe builder (src/facts) can use it too.
export { quote } from '../core/shell-quote.js';
