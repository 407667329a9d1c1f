/**
 * What paragraphs say about organisations: what they are, when, where and by whom they were
 * founded, where they are based, staff and other counts, what they make or offer, who leads them,
 * who bought them and for how much, mergers, buildings, closing; a failed takeover (negation).
 */
import type { FactKind } from './fact-kind.ts';

const WHAT = ['What kind of {type:S} is {S}?', 'What is {S}?', 'What type of organisation is {S}?'];

export const ORG_FACTS: readonly FactKind[] = [
  {
    id: 'org_kind', subject: 'org', core: ['what'], present: true,
    vp: ['is {what}', 'began as {what}', 'is {what} {in:place}'],
    apposition: ['{what}', '{what} {in:place}'],
    clause: ['{S} is {what} based {in:place}'],
    questions: { what: WHAT },
  },
  {
    id: 'org_founded', subject: 'org', core: [],
    vp: ['was {~found:pp} {in:place} by {founder}', 'was founded by {founder}', 'was founded', 'opened its doors', 'was set up by {founder}', 'opened {in:place}', 'was started by {founder} {in:place}', 'was founded {in:place}', 'began life {in:place}'],
    participle: ['Founded by {founder}', 'Set up {in:place}', 'Founded', '{~found:pp} {in:place} by {founder}', 'Started by {founder}'],
    clause: ['{founder} {~found:past} {S}', '{founder} started {S} {in:place}', '{S} was the idea of {founder}, who founded it {in:place}', 'It was {founder} who set up {S}'],
    questions: {
      founder: ['Who founded {S}?', 'Who {~found:past} {S}?', 'Who started {S}?', 'Who is the {~founder} of {S}?', 'By whom was {S} {~found:pp}?'],
      time: ['When was {S} founded?', 'Y|In what year was {S} {~found:pp}?', 'When did {S} open?', 'When did {founder} start {S}?'],
      place: ['Where was {S} founded?', 'In which {type:place} was {S} set up?', 'Where did {S} begin?'],
    },
  },
  {
    id: 'hq', subject: 'org', core: ['place'], present: true,
    vp: ['is based {in:place}', 'has its {~headquarters} {in:place}', 'is headquartered {in:place}', 'has its main office {in:place}', 'operates from {place}'],
    participle: ['Based {in:place}', 'Headquartered {in:place}'],
    clause: ["{S's} headquarters are {in:place}", '{place} is home to {S}'],
    questions: { place: ['Where is {S} based?', "Where are {S's} headquarters?", 'In which {type:place} is {S} based?', "Where is {S's} {~headquarters}?", 'Where does {S} have its main office?'] },
  },
  {
    id: 'staff', subject: 'org', core: ['count'], present: true,
    vp: ['employs {count} people', 'has {count} {~employee:pl}', 'has a staff of {count}', 'now employs {count} people'],
    clause: ['{count} people work for {S}', "{S's} staff numbers {count}", 'Today {S} has {count} people on its payroll'],
    questions: { count: ['How many people does {S} employ?', 'How many people work for {S}?', "How large is {S's} staff?", 'How many {~employee:pl} does {S} have?', 'How many staff does {S} have?'] },
  },
  {
    id: 'counted', subject: 'org', core: ['count', 'unit'], present: true,
    vp: ['has {count} {unit}', 'counts {count} {unit}', 'has grown to {count} {unit}'],
    clause: ['{S} now has {count} {unit}', 'There are {count} {unit} at {S}'],
    questions: { count: ['How many {unit} does {S} have?', 'How many {unit} are there at {S}?'] },
  },
  {
    id: 'products', subject: 'org', only: ['goods'], core: ['products'], present: true,
    vp: ['makes {products}', '{~make:s} {products}', 'is known for its {products}', 'sells {products}', 'specialises in {products}'],
    participle: ['Best known for its {products}'],
    clause: ["{S's} best-known products are {products}", '{products} are what {S} is known for'],
    questions: { products: ['What does {S} make?', 'What does {S} {~make}?', 'What is {S} known for?', 'What does {S} sell?', 'What products is {S} known for?'] },
  },
  {
    id: 'services', subject: 'org', only: ['services', 'sport'], core: ['products'], present: true,
    vp: ['offers {products}', 'provides {products}', 'is known for {products}', 'runs {products}'],
    clause: ['{S} is best known for {products}', 'Among other things, {S} offers {products}'],
    questions: { products: ['What does {S} offer?', 'What does {S} provide?', 'What is {S} known for?', 'What does {S} run?'] },
  },
  {
    id: 'collection', subject: 'org', only: ['collection'], core: ['products'], present: true,
    vp: ['holds a collection of {products}', 'is known for its collection of {products}', 'keeps {products}'],
    clause: ["{S's} collection includes {products}", 'Visitors come to {S} to see {products}'],
    questions: { products: ['What does {S} hold a collection of?', "What does {S's} collection include?", 'What is {S} known for?', 'What can visitors see at {S}?'] },
  },
  {
    id: 'repertoire', subject: 'org', only: ['music'], core: ['products'], present: true,
    vp: ['plays {products}', 'is known for {products}', 'performs mostly {products}'],
    clause: ["{S's} repertoire is mostly {products}"],
    questions: { products: ['What does {S} play?', 'What is {S} known for?', 'What kind of music does {S} perform?'] },
  },
  {
    id: 'courses', subject: 'org', only: ['teaching'], core: ['products'], present: true,
    vp: ['teaches {products}', 'is known for its courses in {products}', 'is strongest in {products}'],
    clause: ["{S's} best-known courses are in {products}"],
    questions: { products: ['What does {S} teach?', 'What is {S} known for teaching?', 'What subjects is {S} known for?'] },
  },
  {
    id: 'leader', subject: 'org', core: ['leader'], present: true,
    vp: ['is led by {leader}', 'is run by {leader}', 'has been run by {leader} {since:time}', 'is {~lead:pp} by its {title}, {leader}', 'has had {leader} as its {title} {since:time}'],
    clause: ["{S's} {title} is {leader}", "{leader} has been {S's} {title} {since:time}", "{leader}, {S's} {title}, has led it {since:time}", '{leader} became {title} of {S} {in:time}'],
    questions: {
      leader: ['Who leads {S}?', 'Who runs {S}?', "Who is {S's} {title}?", 'Who heads {S}?', 'Who is in charge of {S}?'],
      title: ['What is the role of {leader} at {S}?', 'What position does {leader} hold at {S}?', 'What is {leader}\'s job at {S}?'],
      time: ['Since when has {leader} led {S}?', 'When did {leader} become {title} of {S}?', 'Y|In what year did {leader} take charge of {S}?'],
    },
  },
  {
    id: 'rival', subject: 'org', core: ['rival'], present: true,
    vp: ['competes with {rival}', 'has long been a rival of {rival}', 'faces competition from {rival}'],
    clause: ["{S's} main rival is {rival}", '{rival} is the main competitor of {S}'],
    questions: { rival: ["Who is {S's} main rival?", 'Which {type:rival} does {S} compete with?', "What is {S's} chief competitor?"] },
  },
  {
    id: 'acquired', subject: 'org', core: ['buyer'],
    vp: ['was bought by {buyer}', 'was {~buy:pp} by {buyer} for {price}', 'was taken over by {buyer}', 'was sold to {buyer} for {price}', 'was sold to {buyer}'],
    participle: ['Bought by {buyer}', 'Taken over by {buyer}'],
    clause: ['{buyer} bought {S} for {price}', '{buyer} {~buy:past} {S}', '{buyer} paid {price} for {S}', '{S} became part of {buyer}'],
    questions: {
      buyer: ['Who bought {S}?', 'Which {~company} {~buy:past} {S}?', 'Who took over {S}?', 'Which {type:buyer} did {S} become part of?'],
      time: ['When was {S} bought by {buyer}?', 'When did {buyer} buy {S}?', 'Y|In what year did {buyer} take over {S}?'],
      price: ['How much did {buyer} pay for {S}?', 'For how much was {S} sold?', 'What did {buyer} pay for {S}?', 'What price did {buyer} pay for {S}?'],
      S: ['What did {buyer} buy?', 'Which {~company} did {buyer} {~buy}?'],
    },
    traps: [
      { text: 'Which {~company} did {S} {~buy}?', plausible: 'buyer', reason: 'swapped-roles' },
      { text: 'What did {S} buy?', plausible: 'buyer', reason: 'swapped-roles' },
      { text: 'Who bought {buyer}?', plausible: 'S', reason: 'swapped-roles' },
    ],
  },
  {
    id: 'merged', subject: 'org', core: ['partner'],
    vp: ['merged with {partner}', 'joined forces with {partner}', 'was merged with {partner}'],
    clause: ['{S} and {partner} merged', '{partner} and {S} became one company'],
    questions: {
      partner: ['Which {~company} did {S} merge with?', 'With whom did {S} merge?', 'What did {S} join forces with?'],
      time: ['When did {S} merge with {partner}?', 'Y|In what year did {S} and {partner} merge?'],
    },
  },
  {
    id: 'housed', subject: 'org', core: ['building'], present: true,
    vp: ['is housed in {building}', 'occupies {building}', 'has its home in {building}', 'moved into {building}'],
    participle: ['Housed in {building}'],
    clause: ['{building} is home to {S}', 'Since its early days {S} has been housed in {building}'],
    questions: { building: ['What kind of building is {S} housed in?', 'Where is {S} housed?', 'What building does {S} occupy?', 'What is the home of {S}?'] },
  },
  {
    id: 'closed', subject: 'org', core: [],
    vp: ['closed', '{~close:past}', 'closed its doors', 'closed for good'],
    clause: ['{S} was closed down {in:time}', '{S} went out of business {in:time}'],
    questions: { time: ['When did {S} close?', 'When did {S} {~close}?', 'Y|In what year did {S} shut down?', 'When did {S} go out of business?'] },
  },
  {
    id: 'failed_bid', subject: 'org', core: ['target'],
    vp: ['tried to buy {target}, but the deal fell through', 'made an offer for {target} that was turned down', 'failed in a bid to take over {target}'],
    clause: ['A plan for {S} to buy {target} was dropped', "{target} rejected {S's} offer to buy it"],
    questions: {},
    traps: [
      { text: 'Who bought {target}?', plausible: 'S', reason: 'negation', unless: 'acquired.buyer@target' },
      { text: 'When did {S} buy {target}?', plausible: 'time', reason: 'negation' },
      { text: 'Which {~company} did {S} {~buy}?', plausible: 'target', reason: 'negation' },
    ],
  },
];
