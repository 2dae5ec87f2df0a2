// The workflow as the server draws it from its table of transitions
// (Graphviz DOT rendered to SVG), behind a disclosure.
export function WorkflowDiagram({ open = false }) {
  return (
    <details className="workflow" open={open}>
      <summary>The workflow</summary>
      <p className="hint">A course moves from scraped to in review to published, and may be archived, dismissed or sent back to review. Each step needs its permission.</p>
      {/* Readable on a phone: the picture keeps a legible size and the
          region scrolls sideways. */}
      <div className="table-scroll" role="region" aria-label="Workflow diagram" tabIndex={0}>
        <img className="workflow-diagram" src="/cms/api/workflow.svg" data-testid="workflow-diagram"
          alt="Workflow diagram: scraped, in review, published and archived, with dismissed and back to review; each arrow is a transition with the permission it needs." />
      </div>
      <p><a href="/cms/api/workflow.svg" target="_blank" rel="noopener">Open the diagram on its own</a></p>
    </details>
  );
}
