/**
 * Event-pattern cases drawn from AWS's EventBridge documentation ("Content filtering in
 * Amazon EventBridge event patterns", "Comparison operators", "Arrays in event patterns")
 * and event-ruler's README, whose semantics EventBridge follows. Each names the pattern, the
 * event and EventBridge's answer; refusals carry the reason EventBridge gives.
 */

export interface MatchCase {
  readonly name: string;
  readonly pattern: Record<string, unknown>;
  readonly event: Record<string, unknown>;
  readonly matches: boolean;
}

export interface RefusalCase {
  readonly name: string;
  readonly pattern: unknown;
  /** The text after "Event pattern is not valid. Reason: ". */
  readonly reason: string;
}

const detail = (fields: Record<string, unknown>): Record<string, unknown> => ({
  source: 'com.example',
  'detail-type': 'Example',
  detail: fields,
});

const match = (
  name: string,
  pattern: Record<string, unknown>,
  event: Record<string, unknown>,
  matches: boolean,
): MatchCase => ({ name, pattern, event, matches });

export const MATCH_CASES: readonly MatchCase[] = [
  // Exact values, empty strings, null, and arrays on either side.
  match('exact value', { detail: { state: ['running'] } }, detail({ state: 'running' }), true),
  match(
    'exact value differs',
    { detail: { state: ['running'] } },
    detail({ state: 'stopped' }),
    false,
  ),
  match('empty string', { detail: { LastName: [''] } }, detail({ LastName: '' }), true),
  match(
    'null value',
    { detail: { responseElements: [null] } },
    detail({ responseElements: null }),
    true,
  ),
  match('null is not absent', { detail: { x: [null] } }, detail({}), false),
  match(
    'event array intersects pattern array',
    { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    {
      resources: [
        'arn:aws:autoscaling:x',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    },
    true,
  ),
  match(
    'number equals numerically',
    { detail: { 'x-limit': [301.8] } },
    detail({ 'x-limit': 3.018e2 }),
    true,
  ),
  match('number is not its string', { detail: { n: [5] } }, detail({ n: '5' }), false),

  // prefix and suffix, with and without case.
  match('prefix', { time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' }, true),
  match(
    'prefix differs',
    { time: [{ prefix: '2017-10-03' }] },
    { time: '2017-10-02T18:43:48Z' },
    false,
  ),
  match(
    'prefix ignoring case',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    detail({ service: 'eventbridge' }),
    true,
  ),
  match('suffix', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' }, true),
  match('suffix differs', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.jpg' }, false),
  match(
    'suffix ignoring case',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    detail({ FileName: 'IMAGE.PNG' }),
    true,
  ),
  match(
    'prefix never matches a number',
    { detail: { n: [{ prefix: '1' }] } },
    detail({ n: 12 }),
    false,
  ),

  // equals-ignore-case.
  match(
    'equals-ignore-case',
    { detail: { name: [{ 'equals-ignore-case': 'alice' }] } },
    detail({ name: 'ALICE' }),
    true,
  ),
  match(
    'equals-ignore-case differs',
    { detail: { name: [{ 'equals-ignore-case': 'alice' }] } },
    detail({ name: 'alicia' }),
    false,
  ),

  // anything-but: values, lists, and every operator form.
  match(
    'anything-but a string',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    detail({ state: 'running' }),
    true,
  ),
  match(
    'anything-but the same string',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    detail({ state: 'initializing' }),
    false,
  ),
  match(
    'anything-but a number',
    { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    detail({ 'x-limit': 456 }),
    true,
  ),
  match(
    'anything-but the same number',
    { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    detail({ 'x-limit': 123 }),
    false,
  ),
  match(
    'anything-but a list of strings',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    detail({ state: 'running' }),
    true,
  ),
  match(
    'anything-but a list of strings, one listed',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    detail({ state: 'overloaded' }),
    false,
  ),
  match(
    'anything-but a list of numbers',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    detail({ 'x-limit': 150 }),
    true,
  ),
  match(
    'anything-but a list of numbers, one listed',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    detail({ 'x-limit': 200 }),
    false,
  ),
  match(
    'anything-but a string passes null',
    { detail: { state: [{ 'anything-but': 'x' }] } },
    detail({ state: null }),
    true,
  ),
  match(
    'anything-but a string passes a number',
    { detail: { state: [{ 'anything-but': '5' }] } },
    detail({ state: 5 }),
    true,
  ),
  match(
    'anything-but a number passes its string',
    { detail: { n: [{ 'anything-but': 5 }] } },
    detail({ n: '5' }),
    true,
  ),
  match(
    'anything-but needs the field',
    { detail: { state: [{ 'anything-but': 'x' }] } },
    detail({}),
    false,
  ),
  match(
    'anything-but prefix',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    detail({ state: 'running' }),
    true,
  ),
  match(
    'anything-but prefix, prefixed',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    detail({ state: 'initializing' }),
    false,
  ),
  match(
    'anything-but prefix passes null',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    detail({ state: null }),
    true,
  ),
  match(
    'anything-but prefix passes a number',
    { detail: { state: [{ 'anything-but': { prefix: '1' } }] } },
    detail({ state: 12 }),
    true,
  ),
  match(
    'anything-but prefix list',
    { detail: { region: [{ 'anything-but': { prefix: ['us-', 'eu-'] } }] } },
    detail({ region: 'ap-south-1' }),
    true,
  ),
  match(
    'anything-but prefix list, one prefix',
    { detail: { region: [{ 'anything-but': { prefix: ['us-', 'eu-'] } }] } },
    detail({ region: 'eu-west-1' }),
    false,
  ),
  match(
    'anything-but suffix',
    { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    { FileName: 'a.txt' },
    true,
  ),
  match(
    'anything-but suffix, suffixed',
    { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    { FileName: 'a.png' },
    false,
  ),
  match(
    'anything-but suffix list',
    { FileName: [{ 'anything-but': { suffix: ['.png', '.jpg'] } }] },
    { FileName: 'a.jpg' },
    false,
  ),
  match(
    'anything-but equals-ignore-case',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    detail({ state: 'INITIALIZING' }),
    false,
  ),
  match(
    'anything-but equals-ignore-case list',
    {
      detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] },
    },
    detail({ state: 'running' }),
    true,
  ),
  match(
    'anything-but equals-ignore-case list, one listed',
    {
      detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] },
    },
    detail({ state: 'STOPPED' }),
    false,
  ),
  match(
    'anything-but wildcard',
    { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { FilePath: '/usr/bin/x' },
    true,
  ),
  match(
    'anything-but wildcard, matching',
    { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { FilePath: '/usr/lib/x' },
    false,
  ),
  match(
    'anything-but wildcard list',
    { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] },
    { FilePath: '/usr/bin/x' },
    false,
  ),
  match(
    'anything-but in an event array: any element that passes',
    { detail: { tags: [{ 'anything-but': 'a' }] } },
    detail({ tags: ['a', 'b'] }),
    true,
  ),

  // numeric.
  match(
    'numeric range',
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    detail({ 'c-count': 5 }),
    true,
  ),
  match(
    'numeric range, above',
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    detail({ 'c-count': 6 }),
    false,
  ),
  match(
    'numeric equals',
    { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    detail({ 'x-limit': 301.8 }),
    true,
  ),
  match(
    'numeric below',
    { detail: { 'd-count': [{ numeric: ['<', 10] }] } },
    detail({ 'd-count': 10 }),
    false,
  ),
  match(
    'numeric never matches a string',
    { detail: { n: [{ numeric: ['>', 0] }] } },
    detail({ n: '5' }),
    false,
  ),

  // cidr, IPv4 and IPv6, and exact addresses however written.
  match(
    'cidr IPv4',
    { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } },
    detail({ 'source-ip': '10.0.0.255' }),
    true,
  ),
  match(
    'cidr IPv4 outside',
    { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } },
    detail({ 'source-ip': '10.0.1.1' }),
    false,
  ),
  match(
    'cidr IPv6',
    { sourceIPAddress: [{ cidr: '2001:db8::/32' }] },
    { sourceIPAddress: '2001:db8:0:0:1::7' },
    true,
  ),
  match(
    'cidr IPv6 outside',
    { sourceIPAddress: [{ cidr: '2001:db8::/32' }] },
    { sourceIPAddress: '2001:db9::1' },
    false,
  ),
  match('cidr never matches a non-address', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 'ten' }, false),
  match('an IPv6 address however written', { ip: ['::1'] }, { ip: '0:0:0:0:0:0:0:1' }, true),

  // exists.
  match(
    'exists true',
    { detail: { 'c-count': [{ exists: true }] } },
    detail({ 'c-count': 3 }),
    true,
  ),
  match(
    'exists false, absent',
    { detail: { 'c-count': [{ exists: false }] } },
    detail({ other: 1 }),
    true,
  ),
  match(
    'exists false, present',
    { detail: { 'c-count': [{ exists: false }] } },
    detail({ 'c-count': 3 }),
    false,
  ),
  match(
    'exists is for leaves',
    { detail: { obj: [{ exists: true }] } },
    detail({ obj: { a: 1 } }),
    false,
  ),

  // wildcard.
  match(
    'wildcard',
    { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
    true,
  ),
  match(
    'wildcard differs',
    { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/default' },
    false,
  ),
  match('wildcard escaped star is literal', { f: [{ wildcard: 'a\\*b' }] }, { f: 'a*b' }, true),
  match(
    'wildcard escaped star is not a wildcard',
    { f: [{ wildcard: 'a\\*b' }] },
    { f: 'axb' },
    false,
  ),

  // $or.
  match(
    '$or of fields',
    {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    },
    detail({ 'x-limit': 301.8 }),
    true,
  ),
  match(
    '$or, no alternative',
    { detail: { $or: [{ 'c-count': [1] }, { 'd-count': [2] }] } },
    detail({ 'c-count': 2, 'd-count': 1 }),
    false,
  ),
  match(
    '$or beside a field, both needed',
    {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
    },
    { source: 'aws.cloudwatch', namespace: 'AWS/EC2' },
    true,
  ),

  // Dotted names: a dotted key is the nested path, in a pattern and in an event.
  match(
    'dotted key in the pattern',
    { 'detail.state': ['running'] },
    detail({ state: 'running' }),
    true,
  ),
  match(
    'dotted key in the event',
    { detail: { state: ['running'] } },
    { 'detail.state': 'running' },
    true,
  ),
  match('dotted key in both', { 'a.b': [{ prefix: 'x' }] }, { 'a.b': 'xyz' }, true),
  match('dotted key differs', { 'detail.state': ['running'] }, detail({ state: 'stopped' }), false),

  // Arrays of objects: a branch's leaves come from one element.
  match(
    'fields from the same array element',
    { detail: { items: { sku: ['A'], qty: [1] } } },
    detail({
      items: [
        { sku: 'A', qty: 1 },
        { sku: 'B', qty: 5 },
      ],
    }),
    true,
  ),
  match(
    'fields from different array elements',
    { detail: { items: { sku: ['A'], qty: [5] } } },
    detail({
      items: [
        { sku: 'A', qty: 1 },
        { sku: 'B', qty: 5 },
      ],
    }),
    false,
  ),
];

const refusal = (name: string, pattern: unknown, reason: string): RefusalCase => ({
  name,
  pattern,
  reason,
});

export const REFUSAL_CASES: readonly RefusalCase[] = [
  refusal('not an object', [], 'Filter is not an object'),
  refusal('empty pattern', {}, 'Empty objects are not allowed'),
  refusal('a bare value', { source: 'a' }, '"source" must be an object or an array'),
  refusal('empty array', { source: [] }, 'Empty arrays are not allowed'),
  refusal(
    'nested array',
    { source: [['a']] },
    'Match value must be String, number, true, false, or null',
  ),
  refusal('unknown operator', { a: [{ regexp: 'x' }] }, 'Unrecognized match type regexp'),
  refusal(
    'two operators',
    { a: [{ prefix: 'a', suffix: 'b' }] },
    'Only one key allowed in match expression',
  ),
  refusal('prefix not a string', { a: [{ prefix: 1 }] }, 'prefix match pattern must be a string'),
  refusal(
    'prefix with another operator',
    { a: [{ prefix: { wildcard: 'x' } }] },
    'Unsupported prefix pattern: wildcard',
  ),
  refusal(
    'anything-but empty prefix',
    { a: [{ 'anything-but': { prefix: '' } }] },
    'Null prefix/suffix not allowed',
  ),
  refusal(
    'anything-but empty suffix in a list',
    { a: [{ 'anything-but': { suffix: ['x', ''] } }] },
    'Null prefix/suffix not allowed',
  ),
  refusal(
    'anything-but with a nested operator',
    { a: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'x' } } }] },
    'Value of anything-but must be an array or single string/number value.',
  ),
  refusal(
    'anything-but with an operator in its list',
    { a: [{ 'anything-but': [{ prefix: 'x' }] }] },
    'Inside anything but list, start|null|boolean is not supported.',
  ),
  refusal(
    'anything-but null',
    { a: [{ 'anything-but': null }] },
    'Value of anything-but must be an array or single string/number value.',
  ),
  refusal(
    'anything-but mixed list',
    { a: [{ 'anything-but': ['a', 1] }] },
    'Inside anything but list, either all values are number or string, mixed type is not supported',
  ),
  refusal(
    'anything-but exists',
    { a: [{ 'anything-but': { exists: true } }] },
    'Unsupported anything-but pattern: exists',
  ),
  refusal(
    'anything-but equals-ignore-case number',
    { a: [{ 'anything-but': { 'equals-ignore-case': [1] } }] },
    'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  ),
  refusal(
    'anything-but wildcard number',
    { a: [{ 'anything-but': { wildcard: [1] } }] },
    'wildcard match pattern must be a string',
  ),
  refusal(
    'exists not boolean',
    { a: [{ exists: 'yes' }] },
    'exists match pattern must be either true or false.',
  ),
  refusal('numeric not an array', { a: [{ numeric: 5 }] }, 'Value of numeric must be an array.'),
  refusal(
    'numeric unknown operator',
    { a: [{ numeric: ['!=', 1] }] },
    'Unrecognized numeric range operator: !=',
  ),
  refusal('numeric string value', { a: [{ numeric: ['>', '1'] }] }, 'Value of > must be numeric'),
  refusal(
    'numeric upper bound first',
    { a: [{ numeric: ['<', 5, '>', 1] }] },
    'Too many elements in numeric expression',
  ),
  refusal(
    'numeric two lower bounds',
    { a: [{ numeric: ['>', 1, '>', 2] }] },
    'Bad numeric range operator: >',
  ),
  refusal(
    'numeric empty range',
    { a: [{ numeric: ['>', 5, '<', 1] }] },
    'Bottom must be less than top',
  ),
  refusal('cidr without mask', { a: [{ cidr: '10.0.0.0' }] }, "Malformed CIDR, one '/' required"),
  refusal(
    'cidr mask not a number',
    { a: [{ cidr: '10.0.0.0/x' }] },
    'Malformed CIDR, mask bits must be an integer',
  ),
  refusal(
    'cidr IPv4 mask too wide',
    { a: [{ cidr: '10.0.0.0/32' }] },
    'IPv4 mask bits must be < 32',
  ),
  refusal(
    'cidr IPv6 mask too wide',
    { a: [{ cidr: '2001:db8::/128' }] },
    'IPv6 mask bits must be < 128',
  ),
  refusal('cidr not an address', { a: [{ cidr: 'host/8' }] }, 'Nonstandard IP address: host'),
  refusal('cidr not a string', { a: [{ cidr: 10 }] }, 'prefix match pattern must be a string'),
  refusal(
    'equals-ignore-case not a string',
    { a: [{ 'equals-ignore-case': 1 }] },
    'equals-ignore-case match pattern must be a string',
  ),
  refusal(
    'wildcard not a string',
    { a: [{ wildcard: 1 }] },
    'wildcard match pattern must be a string',
  ),
  refusal(
    'wildcard consecutive stars',
    { a: [{ wildcard: 'ab**' }] },
    'Consecutive wildcard characters at pos 3',
  ),
  refusal(
    'wildcard bad escape',
    { a: [{ wildcard: 'a\\b' }] },
    'Invalid escape character at pos 2',
  ),
  refusal(
    'wildcard too complex',
    {
      a: [
        { wildcard: '*.bif' },
        { wildcard: '*.tiff' },
        { wildcard: '*.tif' },
        { wildcard: '*.svs' },
      ],
    },
    'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
  ),
  refusal('$or not an array', { $or: { a: [1] } }, 'It must be an Array followed with $or.'),
  refusal(
    '$or of one',
    { $or: [{ a: [1] }] },
    'There must have at least 2 Objects in $or relationship.',
  ),
  refusal(
    '$or of a value',
    { $or: [{ a: [1] }, 'b'] },
    'Only JSON object is allowed in array of $or relationship.',
  ),
  refusal(
    '$or naming an operator',
    { $or: [{ prefix: ['a'] }, { b: [1] }] },
    'prefix is Ruler reserved fieldName which cannot be used inside $or.',
  ),
];
