/**
 * Hand-written contexts shared by the QuickJS tests (quickjs-default-model.test.ts, and the native
 * host's _qjs-host.ts): a text long enough for two windows at the default model's sequence length,
 * and one with accented letters the tokenizer must normalise the same way in every runtime.
 */
export const LONG_CONTEXT = [
  'Oskarvik is a fishing town on the northern shore of the Lenna fjord. The town was founded in 1612 by Margit Holmsen, a timber merchant from Bergen.',
  'Its harbour freezes for about six weeks each winter, and during those weeks the ferry to Tarnholm is replaced by a road over the ice.',
  'The old church of Oskarvik was built of stone in 1688 and burned down in 1901; the present church, built of wood, was consecrated in 1904.',
  'Oskarvik is home to 4,210 people. Most of them work in fishing, in the cannery on the east quay, or in the small shipyard that builds research vessels.',
  'The town museum keeps the logbooks of the whaler Nordstjerne, which sailed from Oskarvik between 1852 and 1879.',
  'Every August the town holds a regatta; the winning crew receives a silver oar that has been passed from winner to winner since 1923.',
  'The mayor of Oskarvik is Eirik Dahl, who was elected in 2019 and had worked as a marine biologist before he entered politics.',
  'The railway never reached Oskarvik: the nearest station is at Vassmo, forty kilometres to the south, and a bus runs there four times a day.',
].join(' ');

export const ACCENTED_CONTEXT = 'Zoë Lefèvre founded the Café Müller in Göteborg in 1998. The café is famous for its crème brûlée, which Lefèvre learned to make in Besançon. It closes every Monday.';
