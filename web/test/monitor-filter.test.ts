import { describe, expect, it } from 'vitest';
import { describeFilter, filterQuery, filterToSearch, isFiltered, parseFilter, sameFilter } from '../src/lib/monitorFilter';

describe('the monitor filter in the URL', () => {
  it('reads tag, status and text from the query', () => {
    expect(parseFilter('?tag=Shops&status=failing&q=laptop%20deal')).toEqual({
      tag: 'Shops',
      status: 'failing',
      q: 'laptop deal',
    });
    expect(parseFilter('tag=a%26b')).toEqual({ tag: 'a&b' });
  });

  it('treats blanks as no filter and drops an unknown status', () => {
    expect(parseFilter('')).toEqual({});
    expect(parseFilter('?tag=%20%20&q=&status=')).toEqual({});
    expect(parseFilter('?status=sleepy&q=x')).toEqual({ q: 'x' });
    expect(isFiltered(parseFilter('?status=sleepy'))).toBe(false);
  });

  it('cuts search text to what the API accepts', () => {
    expect(parseFilter(`?q=${'x'.repeat(300)}`).q).toHaveLength(200);
  });

  it('writes a stable query that reads back to the same filter', () => {
    const filter = { q: ' 100% off ', status: 'judge_unavailable' as const, tag: 'Shops & more' };
    const search = filterToSearch(filter);
    expect(search).toBe('?tag=Shops+%26+more&status=judge_unavailable&q=100%25+off');
    expect(parseFilter(search)).toEqual({ tag: 'Shops & more', status: 'judge_unavailable', q: '100% off' });
    expect(sameFilter(parseFilter(search), filter)).toBe(true);
    expect(filterToSearch({})).toBe('');
    expect(filterToSearch({ tag: ' ', q: '' })).toBe('');
  });

  it('becomes the API query without empty parameters', () => {
    expect(filterQuery({ tag: 'Shops' })).toEqual({ tag: 'Shops' });
    expect(filterQuery({})).toEqual({});
  });

  it('says what the list shows', () => {
    expect(describeFilter({})).toBe('Monitors');
    expect(describeFilter({ status: 'failing', tag: 'Shops', q: 'laptop' })).toBe('Failing monitors tagged Shops matching “laptop”');
  });
});
