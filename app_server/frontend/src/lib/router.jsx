// The App's router: the shared History-API router (shared/web/router.jsx)
// at the site root.
export { Link, navigate, segments, usePath } from '../../../../shared/web/router.jsx';
