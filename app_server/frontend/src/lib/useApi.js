// The load-on-change hook shared with the other single-page app.
export { useApi } from '../../../../shared/web/useApi.js';
