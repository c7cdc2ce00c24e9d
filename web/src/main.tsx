import { render } from 'preact';
import { App } from './app';
import { upgradeHashRoute } from './lib/router';
import './styles.css';

// Before the first render, so the first route read is the bookmarked one.
upgradeHashRoute();
const root = document.getElementById('app');
if (root) render(<App />, root);
