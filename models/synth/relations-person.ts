/**
 * What the world says about people: birth, death, work, study, moves, marriage, founding, prizes.
 * Keys pair each question with the sentence wording it repeats (see relation.ts).
 */
import type { Relation } from './relation.ts';

export const PERSON_RELATIONS: readonly Relation[] = [
  {
    id: 'born_in', subject: 'person', object: 'city',
    sentences: [
      { key: 'born', text: '{S} was born in {O}.' },
      { key: 'born', text: '{S} was born in {O} {at O2}.', with: [{ rel: 'born_date', of: 'subject' }] },
      { key: 'born', text: '{S} was born {at O2} in {O}.', with: [{ rel: 'born_date', of: 'subject' }] },
      { key: 'birthplace', text: "{S's} birthplace was {O}." },
      { key: 'native', text: '{S} was a native of {O}.' },
    ],
    questions: [
      { key: 'born', text: 'Where was {S} born?' },
      { key: 'born', text: 'In which city was {S} born?' },
      { key: 'birthplace', text: "What was {S's} birthplace?" },
      { key: 'native', text: 'Which city was {S} a native of?' },
      { key: 'para1', text: 'Where did {S} come into the world?' },
      { key: 'para2', text: 'Which city is the hometown of {S}?' },
    ],
  },
  {
    id: 'born_date', subject: 'person', object: 'time',
    sentences: [
      { key: 'born', text: '{S} was born {at O}.' },
      { key: 'birth', text: 'The birth of {S} took place {at O}.' },
    ],
    questions: [
      { key: 'born', text: 'When was {S} born?' },
      { key: 'born', text: 'In what year was {S} born?', yearOnly: true },
      { key: 'birth', text: 'When did the birth of {S} take place?' },
      { key: 'birth', text: "What is {S's} date of birth?" },
      { key: 'para1', text: 'When did {S} come into the world?' },
    ],
  },
  {
    id: 'died', subject: 'person', object: 'time',
    sentences: [
      { key: 'died', text: '{S} died {at O}.' },
      { key: 'passed', text: '{S} passed away {at O}.' },
    ],
    questions: [
      { key: 'died', text: 'When did {S} die?' },
      { key: 'died', text: 'In what year did {S} die?', yearOnly: true },
      { key: 'passed', text: 'When did {S} pass away?' },
      { key: 'para1', text: "When did {S's} life end?" },
      { key: 'para2', text: 'What year saw the death of {S}?', yearOnly: true },
    ],
  },
  {
    id: 'profession', subject: 'person', object: 'profession',
    sentences: [
      { key: 'worked', text: '{S} worked as {a O}.' },
      { key: 'trained', text: '{S} trained as {a O}.' },
      { key: 'profession', text: 'By profession, {S} was {a O}.' },
      { key: 'career', text: '{S} had a long career as {a O}.' },
    ],
    questions: [
      { key: 'worked', text: 'What did {S} work as?' },
      { key: 'trained', text: 'What did {S} train as?' },
      { key: 'profession', text: "What was {S's} profession?" },
      { key: 'career', text: "What was {S's} career?" },
      { key: 'para1', text: "What was {S's} occupation?" },
      { key: 'para2', text: 'What job did {S} do?' },
    ],
  },
  {
    id: 'works_for', subject: 'person', object: 'org', impliedBy: ['founded'],
    sentences: [
      { key: 'worked', text: '{S} worked for {O}.' },
      { key: 'employed', text: '{S} was employed by {O}.' },
      { key: 'joined', text: '{S} joined {O}.' },
      { key: 'joined', text: '{S} joined {O} {at O2}.', with: [{ rel: 'joined_year', of: 'subject' }] },
      { key: 'joined', text: '{at O2}, {S} joined {O}.', with: [{ rel: 'joined_year', of: 'subject' }] },
    ],
    questions: [
      { key: 'worked', text: 'Who did {S} work for?' },
      { key: 'worked', text: 'Which organisation did {S} work for?' },
      { key: 'employed', text: 'Who employed {S}?' },
      { key: 'employed', text: 'By whom was {S} employed?' },
      { key: 'joined', text: 'Which organisation did {S} join?' },
      { key: 'para1', text: "What was {S's} employer?" },
      { key: 'para2', text: 'For which organisation was {S} on the staff?' },
    ],
  },
  {
    id: 'joined_year', subject: 'person', object: 'time', partner: 'works_for', sentences: [],
    questions: [
      { key: 'joined', text: 'When did {S} join {P}?' },
      { key: 'para1', text: 'In what year did {S} start working for {P}?', yearOnly: true },
      { key: 'para2', text: 'When did {S} begin at {P}?' },
    ],
  },
  {
    id: 'studied_at', subject: 'person', object: 'org', objectCategory: 'school',
    sentences: [
      { key: 'studied', text: '{S} studied at {O}.' },
      { key: 'educated', text: '{S} was educated at {O}.' },
      { key: 'graduated', text: '{S} graduated from {O}.' },
      { key: 'graduated', text: '{S} graduated from {O} {at O2}.', with: [{ rel: 'graduated_year', of: 'subject' }] },
    ],
    questions: [
      { key: 'studied', text: 'Where did {S} study?' },
      { key: 'educated', text: 'Where was {S} educated?' },
      { key: 'graduated', text: 'Which school did {S} graduate from?' },
      { key: 'para1', text: 'At which school was {S} a student?' },
      { key: 'para2', text: 'Which institution taught {S}?' },
    ],
  },
  {
    id: 'graduated_year', subject: 'person', object: 'time', partner: 'studied_at', sentences: [],
    questions: [
      { key: 'graduated', text: 'When did {S} graduate from {P}?' },
      { key: 'para1', text: 'In what year did {S} finish at {P}?', yearOnly: true },
    ],
  },
  {
    id: 'moved_to', subject: 'person', object: 'city',
    sentences: [
      { key: 'moved', text: '{S} moved to {O}.' },
      { key: 'moved', text: '{at O2}, {S} moved to {O}.', with: [{ rel: 'moved_year', of: 'subject' }] },
      { key: 'settled', text: '{S} settled in {O} {at O2}.', with: [{ rel: 'moved_year', of: 'subject' }] },
      { key: 'settled', text: '{S} later settled in {O}.' },
      { key: 'relocated', text: '{S} relocated to {O}.' },
    ],
    questions: [
      { key: 'moved', text: 'Where did {S} move to?' },
      { key: 'moved', text: 'To which city did {S} move?' },
      { key: 'settled', text: 'Where did {S} settle?' },
      { key: 'relocated', text: 'Where did {S} relocate to?' },
      { key: 'para1', text: "Which city became {S's} new home?" },
      { key: 'para2', text: 'In which city did {S} make a new home?' },
    ],
  },
  {
    id: 'moved_year', subject: 'person', object: 'time', partner: 'moved_to', sentences: [],
    questions: [
      { key: 'moved', text: 'When did {S} move to {P}?' },
      { key: 'settled', text: 'When did {S} settle in {P}?' },
      { key: 'para1', text: 'In what year did {S} arrive in {P}?', yearOnly: true },
    ],
  },
  {
    id: 'founded', subject: 'person', object: 'org', inverse: 'founder',
    sentences: [
      { key: 'founded', text: '{S} founded {O}.' },
      { key: 'founded', text: '{S} founded {O} {at O2}.', with: [{ rel: 'founded_year', of: 'object' }] },
      { key: 'established', text: '{S} established {O} {at O2}.', with: [{ rel: 'founded_year', of: 'object' }] },
      { key: 'set', text: '{S} set up {O}.' },
    ],
    questions: [
      { key: 'founded', text: 'What did {S} found?' },
      { key: 'founded', text: 'Which organisation did {S} found?' },
      { key: 'established', text: 'What did {S} establish?' },
      { key: 'set', text: 'What did {S} set up?' },
      { key: 'para1', text: 'Which organisation was started by {S}?' },
      { key: 'para2', text: 'Which organisation owes its existence to {S}?' },
    ],
  },
  {
    id: 'married', subject: 'person', object: 'person', inverse: 'married',
    sentences: [
      { key: 'married', text: '{S} married {O}.' },
      { key: 'married', text: '{S} married {O} {at O2}.', with: [{ rel: 'married_year', of: 'subject' }] },
      { key: 'wife', text: "{S's} {og:wife|husband} was {O}." },
      { key: 'wed', text: '{S} wed {O} {at O2}.', with: [{ rel: 'married_year', of: 'subject' }] },
    ],
    questions: [
      { key: 'married', text: 'Who did {S} marry?' },
      { key: 'married', text: 'Who was {S} married to?' },
      { key: 'wife', text: "Who was {S's} {og:wife|husband}?" },
      { key: 'wed', text: 'Whom did {S} wed?' },
      { key: 'para1', text: "Who was {S's} spouse?" },
      { key: 'para2', text: 'Who became the partner of {S}?' },
    ],
  },
  {
    id: 'married_year', subject: 'person', object: 'time', partner: 'married', sentences: [],
    questions: [
      { key: 'married', text: 'When did {S} marry {P}?' },
      { key: 'wed', text: 'When did {S} wed {P}?' },
      { key: 'para1', text: 'In what year was the wedding of {S} and {P}?', yearOnly: true },
    ],
  },
  {
    id: 'sibling', subject: 'person', object: 'person',
    sentences: [
      { key: 'younger', text: '{S} had a younger {og:sister|brother}, {O}.' },
      { key: 'called', text: "{S's} {og:sister|brother} was called {O}." },
      { key: 'grew', text: '{S} grew up with {sg:her|his} {og:sister|brother} {O}.' },
    ],
    questions: [
      { key: 'called', text: "What was {S's} {og:sister|brother} called?" },
      { key: 'grew', text: 'Which {og:sister|brother} did {S} grow up with?' },
      { key: 'younger', text: "Who was {S's} younger {og:sister|brother}?" },
      { key: 'para1', text: "What was the name of {S's} {og:sister|brother}?" },
    ],
  },
  {
    id: 'award', subject: 'person', object: 'award',
    sentences: [
      { key: 'won', text: '{S} won {O}.' },
      { key: 'won', text: '{S} won {O} {at O2}.', with: [{ rel: 'award_year', of: 'subject' }] },
      { key: 'received', text: '{S} received {O}.' },
      { key: 'awarded', text: '{at O2}, {S} was awarded {O}.', with: [{ rel: 'award_year', of: 'subject' }] },
    ],
    questions: [
      { key: 'won', text: 'Which prize did {S} win?' },
      { key: 'received', text: 'What honour did {S} receive?' },
      { key: 'awarded', text: 'What was {S} awarded?' },
      { key: 'para1', text: 'Which honour was given to {S}?' },
      { key: 'para2', text: 'What distinction did {S} earn?' },
    ],
  },
  {
    id: 'award_year', subject: 'person', object: 'time', partner: 'award', sentences: [],
    questions: [
      { key: 'won', text: 'When did {S} win {P}?' },
      { key: 'awarded', text: 'In what year was {S} awarded {P}?', yearOnly: true },
      { key: 'para1', text: 'When was {S} given {P}?' },
    ],
  },
  {
    id: 'books', subject: 'person', object: 'number',
    sentences: [
      { key: 'wrote', text: '{S} wrote {O} books.' },
      { key: 'published', text: '{S} published {O} books.' },
      { key: 'author', text: '{S} was the author of {O} books.' },
    ],
    questions: [
      { key: 'wrote', text: 'How many books did {S} write?' },
      { key: 'published', text: 'How many books did {S} publish?' },
      { key: 'author', text: 'Of how many books was {S} the author?' },
      { key: 'para1', text: 'How many books are credited to {S}?' },
    ],
  },
  {
    id: 'children', subject: 'person', object: 'number',
    sentences: [
      { key: 'had', text: '{S} had {O} children.' },
      { key: 'raised', text: '{S} raised {O} children.' },
    ],
    questions: [
      { key: 'had', text: 'How many children did {S} have?' },
      { key: 'raised', text: 'How many children did {S} raise?' },
      { key: 'para1', text: 'How many sons and daughters did {S} bring up?' },
    ],
  },
];
