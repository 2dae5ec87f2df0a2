import { render } from 'preact';
import { App } from './App.jsx';
import './styles.css';

const root = document.getElementById('app');
root.textContent = '';
render(<App />, root);

// A screen change scrolls to the top, as a page load would.
window.addEventListener('popstate', () => window.scrollTo(0, 0));
