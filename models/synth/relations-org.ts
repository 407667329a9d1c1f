/**
 * What the world says about organisations: founding, seat, size, leaders, products or fields,
 * takeovers, closing, rivals. Firms and schools share most relations; goods belong to firms and
 * fields of study to schools.
 */
import type { Relation } from './relation.ts';

export const ORG_RELATIONS: readonly Relation[] = [
  {
    id: 'founded_year', subject: 'org', object: 'time',
    sentences: [
      { key: 'founded', text: '{S} was founded {at O}.' },
      { key: 'established', text: '{S} was established {at O}.' },
      { key: 'opened', text: '{S} opened {at O}.' },
      { key: 'dates', text: '{S} dates back to {O}.', yearOnly: true },
    ],
    questions: [
      { key: 'founded', text: 'When was {S} founded?' },
      { key: 'founded', text: 'In what year was {S} founded?', yearOnly: true },
      { key: 'established', text: 'When was {S} established?' },
      { key: 'opened', text: 'When did {S} open?' },
      { key: 'dates', text: 'What year does {S} date back to?', yearOnly: true },
      { key: 'para1', text: 'When did {S} begin?' },
      { key: 'para2', text: 'In what year did {S} start?', yearOnly: true },
    ],
  },
  {
    id: 'founder', subject: 'org', object: 'person', inverse: 'founded',
    sentences: [
      { key: 'founded', text: '{S} was founded by {O}.' },
      { key: 'founded', text: '{S} was founded by {O} {at O2}.', with: [{ rel: 'founded_year', of: 'subject' }] },
      { key: 'established', text: '{S} was established by {O} {at O2}.', with: [{ rel: 'founded_year', of: 'subject' }] },
      { key: 'founder', text: "{S's} founder was {O}." },
    ],
    questions: [
      { key: 'founded', text: 'Who founded {S}?' },
      { key: 'founded', text: 'By whom was {S} founded?' },
      { key: 'established', text: 'Who established {S}?' },
      { key: 'founder', text: 'Who was the founder of {S}?' },
      { key: 'para1', text: 'Who started {S}?' },
      { key: 'para2', text: 'Who created {S}?' },
    ],
  },
  {
    id: 'based_in', subject: 'org', object: 'city',
    sentences: [
      { key: 'based', text: '{S} is based in {O}.' },
      { key: 'headquarters', text: '{S} has its headquarters in {O}.' },
      { key: 'located', text: '{S} is located in {O}.' },
      { key: 'offices', text: 'The main offices of {S} are in {O}.' },
    ],
    questions: [
      { key: 'based', text: 'Where is {S} based?' },
      { key: 'headquarters', text: 'Where does {S} have its headquarters?' },
      { key: 'located', text: 'Where is {S} located?' },
      { key: 'offices', text: 'In which city are the main offices of {S}?' },
      { key: 'para1', text: 'Which city is home to {S}?' },
      { key: 'para2', text: 'In which city can {S} be found?' },
    ],
  },
  {
    id: 'employees', subject: 'org', object: 'number',
    sentences: [
      { key: 'employs', text: '{S} employs {O} people.' },
      { key: 'staff', text: '{S} has a staff of {O}.' },
      { key: 'employees', text: '{S} has {O} employees.' },
    ],
    questions: [
      { key: 'employs', text: 'How many people does {S} employ?' },
      { key: 'staff', text: 'How large is the staff of {S}?' },
      { key: 'employees', text: 'How many employees does {S} have?' },
      { key: 'para1', text: "How many workers are on {S's} payroll?" },
      { key: 'para2', text: "What is the size of {S's} workforce?" },
    ],
  },
  {
    id: 'branches', subject: 'org', category: 'firm', object: 'number',
    sentences: [
      { key: 'branches', text: '{S} has {O} branches.' },
      { key: 'runs', text: '{S} runs {O} branches.' },
      { key: 'offices', text: '{S} operates {O} offices across the country.' },
    ],
    questions: [
      { key: 'branches', text: 'How many branches does {S} have?' },
      { key: 'runs', text: 'How many branches does {S} run?' },
      { key: 'offices', text: 'How many offices does {S} operate?' },
      { key: 'para1', text: 'At how many locations is {S} present?' },
    ],
  },
  {
    id: 'students', subject: 'org', category: 'school', object: 'number',
    sentences: [
      { key: 'students', text: '{S} has {O} students.' },
      { key: 'enrolled', text: 'About {O} students are enrolled at {S}.' },
    ],
    questions: [
      { key: 'students', text: 'How many students does {S} have?' },
      { key: 'enrolled', text: 'How many students are enrolled at {S}?' },
      { key: 'para1', text: 'How many people study at {S}?' },
    ],
  },
  {
    id: 'director', subject: 'org', object: 'person',
    sentences: [
      { key: 'led', text: '{S} is led by {O}.' },
      { key: 'director', text: '{O} is the director of {S}.' },
      { key: 'headed', text: '{S} is headed by {O}.' },
      { key: 'director', text: 'The director of {S} is {O}.' },
    ],
    questions: [
      { key: 'led', text: 'Who leads {S}?' },
      { key: 'director', text: 'Who is the director of {S}?' },
      { key: 'headed', text: 'Who heads {S}?' },
      { key: 'para1', text: 'Who is in charge of {S}?' },
      { key: 'para2', text: 'Who runs {S}?' },
    ],
  },
  {
    id: 'products', subject: 'org', category: 'firm', object: 'product',
    sentences: [
      { key: 'makes', text: '{S} makes {O}.' },
      { key: 'produces', text: '{S} produces {O}.' },
      { key: 'known', text: '{S} is known for its {O}.' },
      { key: 'trade', text: '{S} deals in {O}.' },
    ],
    questions: [
      { key: 'makes', text: 'What does {S} make?' },
      { key: 'produces', text: 'What does {S} produce?' },
      { key: 'known', text: 'What is {S} known for?' },
      { key: 'trade', text: 'What does {S} deal in?' },
      { key: 'para1', text: 'What does {S} offer its customers?' },
      { key: 'para2', text: 'Which goods come from {S}?' },
    ],
  },
  {
    id: 'field', subject: 'org', category: 'school', object: 'product',
    sentences: [
      { key: 'known', text: '{S} is known for its work in {O}.' },
      { key: 'specialises', text: '{S} specialises in {O}.' },
      { key: 'research', text: 'Research at {S} focuses on {O}.' },
    ],
    questions: [
      { key: 'known', text: 'In which field is {S} known for its work?' },
      { key: 'specialises', text: 'What does {S} specialise in?' },
      { key: 'research', text: 'What does research at {S} focus on?' },
      { key: 'para1', text: 'Which field is {S} devoted to?' },
      { key: 'para2', text: 'What subject is {S} famous for?' },
    ],
  },
  {
    id: 'acquired_by', subject: 'org', category: 'firm', object: 'org',
    sentences: [
      { key: 'bought', text: '{S} was bought by {O}.' },
      { key: 'bought', text: '{at O2}, {S} was bought by {O}.', with: [{ rel: 'acquired_year', of: 'subject' }] },
      { key: 'acquired', text: '{S} was acquired by {O} {at O2}.', with: [{ rel: 'acquired_year', of: 'subject' }] },
      { key: 'took', text: '{O} took over {S}.' },
    ],
    questions: [
      { key: 'bought', text: 'Who bought {S}?' },
      { key: 'acquired', text: 'Which organisation acquired {S}?' },
      { key: 'took', text: 'Which organisation took over {S}?' },
      { key: 'para1', text: 'Who became the owner of {S}?' },
      { key: 'para2', text: 'Which firm purchased {S}?' },
    ],
  },
  {
    id: 'acquired_year', subject: 'org', object: 'time', partner: 'acquired_by', sentences: [],
    questions: [
      { key: 'bought', text: 'When was {S} bought by {P}?' },
      { key: 'acquired', text: 'When did {P} acquire {S}?' },
      { key: 'para1', text: 'In what year did {S} pass to {P}?', yearOnly: true },
    ],
  },
  {
    id: 'closed', subject: 'org', object: 'time',
    sentences: [
      { key: 'closed', text: '{S} closed {at O}.' },
      { key: 'closed', text: '{S} closed its doors {at O}.' },
      { key: 'shut', text: '{S} shut down {at O}.' },
    ],
    questions: [
      { key: 'closed', text: 'When did {S} close?' },
      { key: 'shut', text: 'When did {S} shut down?' },
      { key: 'para1', text: 'In what year did {S} cease operating?', yearOnly: true },
      { key: 'para2', text: 'When did {S} stop its work?' },
    ],
  },
  {
    id: 'rival', subject: 'org', object: 'org', inverse: 'rival',
    sentences: [
      { key: 'rival', text: "{S's} main rival is {O}." },
      { key: 'competes', text: '{S} competes with {O}.' },
      { key: 'rival', text: '{S} has long been a rival of {O}.' },
    ],
    questions: [
      { key: 'rival', text: "What is {S's} main rival?" },
      { key: 'competes', text: 'Which organisation competes with {S}?' },
      { key: 'para1', text: "Who is {S's} chief competitor?" },
      { key: 'para2', text: 'Which organisation challenges {S}?' },
    ],
  },
];
