// Loading and error states, shared with the other single-page app.
export * from '../../../../shared/web/Status.jsx';
