import './console.css';
import 'uplot/dist/uPlot.min.css';
import { h, render } from 'preact';
import { Layout } from './layout.js';
import { CustomerPage } from './pages/customer-page.js';
import { CustomersPage } from './pages/customers-page.js';
import { DeadLettersPage } from './pages/dlq-page.js';

/** The console's three pages share one bundle; the path picks the page. */
const page = (path: string) => {
  const customer = /^\/console\/customers\/([^/]+)\/?$/.exec(path);
  if (customer?.[1]) {
    const id = decodeURIComponent(customer[1]);
    return { title: 'Customer', body: h(CustomerPage, { customerId: id }) };
  }
  if (/^\/console\/dlq\/?$/.test(path))
    return { title: 'Dead letters', body: h(DeadLettersPage, null) };
  return { title: 'Customers and pipeline', body: h(CustomersPage, null) };
};

const root = document.getElementById('app');
if (root) {
  const path = window.location.pathname;
  const { title, body } = page(path);
  document.title = `${title} · Customer console`;
  render(h(Layout, { title, path }, body), root);
}
