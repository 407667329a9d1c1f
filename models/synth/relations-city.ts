/**
 * What the world says about towns: population, province, river, founding, mayor, height, area,
 * industry, twin towns.
 */
import type { Relation } from './relation.ts';

export const CITY_RELATIONS: readonly Relation[] = [
  {
    id: 'population', subject: 'city', object: 'number',
    sentences: [
      { key: 'population', text: '{S} has a population of {O}.' },
      { key: 'inhabitants', text: '{S} has {O} inhabitants.' },
      { key: 'live', text: 'About {O} people live in {S}.' },
      { key: 'home', text: '{S} is home to {O} people.' },
    ],
    questions: [
      { key: 'population', text: 'What is the population of {S}?' },
      { key: 'inhabitants', text: 'How many inhabitants does {S} have?' },
      { key: 'live', text: 'How many people live in {S}?' },
      { key: 'home', text: 'How many people is {S} home to?' },
      { key: 'para1', text: 'How many residents does {S} have?' },
      { key: 'para2', text: 'How many people reside in {S}?' },
    ],
  },
  {
    id: 'region', subject: 'city', object: 'region',
    sentences: [
      { key: 'lies', text: '{S} lies in the province of {O}.' },
      { key: 'part', text: '{S} is part of the province of {O}.' },
      { key: 'belongs', text: '{S} belongs to the province of {O}.' },
    ],
    questions: [
      { key: 'lies', text: 'In which province does {S} lie?' },
      { key: 'part', text: 'Which province is {S} part of?' },
      { key: 'belongs', text: 'Which province does {S} belong to?' },
      { key: 'para1', text: 'What province contains {S}?' },
      { key: 'para2', text: 'Which province is {S} situated in?' },
    ],
  },
  {
    id: 'river', subject: 'city', object: 'river',
    sentences: [
      { key: 'lies', text: '{S} lies on the river {O}.' },
      { key: 'flows', text: 'The {O} river flows through {S}.' },
      { key: 'banks', text: '{S} stands on the banks of the {O}.' },
    ],
    questions: [
      { key: 'lies', text: 'Which river does {S} lie on?' },
      { key: 'flows', text: 'Which river flows through {S}?' },
      { key: 'banks', text: 'On the banks of which river does {S} stand?' },
      { key: 'para1', text: 'What river runs through {S}?' },
      { key: 'para2', text: 'Which river passes through {S}?' },
    ],
  },
  {
    id: 'city_founded', subject: 'city', object: 'time',
    sentences: [
      { key: 'founded', text: '{S} was founded {at O}.' },
      { key: 'settled', text: '{S} was first settled {at O}.' },
      { key: 'history', text: 'The history of {S} goes back to {O}.', yearOnly: true },
    ],
    questions: [
      { key: 'founded', text: 'When was {S} founded?' },
      { key: 'settled', text: 'When was {S} first settled?' },
      { key: 'history', text: 'What year does the history of {S} go back to?', yearOnly: true },
      { key: 'para1', text: 'In what year did people first make their homes in {S}?', yearOnly: true },
      { key: 'para2', text: 'When did {S} come into being?' },
    ],
  },
  {
    id: 'mayor', subject: 'city', object: 'person',
    sentences: [
      { key: 'mayor', text: 'The mayor of {S} is {O}.' },
      { key: 'serves', text: '{O} serves as mayor of {S}.' },
      { key: 'governed', text: '{S} is governed by {O}.' },
    ],
    questions: [
      { key: 'mayor', text: 'Who is the mayor of {S}?' },
      { key: 'serves', text: 'Who serves as mayor of {S}?' },
      { key: 'governed', text: 'Who governs {S}?' },
      { key: 'para1', text: 'Who leads the council of {S}?' },
      { key: 'para2', text: 'Who is in charge of {S}?' },
    ],
  },
  {
    id: 'elevation', subject: 'city', object: 'height',
    sentences: [
      { key: 'lies', text: '{S} lies {O} above sea level.' },
      { key: 'elevation', text: '{S} has an elevation of {O}.' },
      { key: 'altitude', text: '{S} sits at an altitude of {O}.' },
    ],
    questions: [
      { key: 'lies', text: 'How high above sea level does {S} lie?' },
      { key: 'elevation', text: 'What is the elevation of {S}?' },
      { key: 'altitude', text: 'At what altitude does {S} sit?' },
      { key: 'para1', text: 'How high up is {S}?' },
    ],
  },
  {
    id: 'area', subject: 'city', object: 'area',
    sentences: [
      { key: 'covers', text: '{S} covers {O}.' },
      { key: 'area', text: '{S} has an area of {O}.' },
    ],
    questions: [
      { key: 'covers', text: 'How much land does {S} cover?' },
      { key: 'area', text: 'What is the area of {S}?' },
      { key: 'para1', text: 'How much ground does {S} take up?' },
    ],
  },
  {
    id: 'industry', subject: 'city', object: 'product',
    sentences: [
      { key: 'known', text: '{S} is known for its {O}.' },
      { key: 'economy', text: 'The economy of {S} is based on {O}.' },
      { key: 'rich', text: '{S} grew rich from {O}.' },
    ],
    questions: [
      { key: 'known', text: 'What is {S} known for?' },
      { key: 'economy', text: 'What is the economy of {S} based on?' },
      { key: 'rich', text: 'What did {S} grow rich from?' },
      { key: 'para1', text: 'What is the main industry of {S}?' },
      { key: 'para2', text: 'Which trade supports {S}?' },
    ],
  },
  {
    id: 'twin', subject: 'city', object: 'city', inverse: 'twin',
    sentences: [
      { key: 'twinned', text: '{S} is twinned with {O}.' },
      { key: 'sister', text: "{S's} sister city is {O}." },
      { key: 'partnership', text: '{S} has a partnership with {O}.' },
    ],
    questions: [
      { key: 'twinned', text: 'Which city is {S} twinned with?' },
      { key: 'sister', text: "What is {S's} sister city?" },
      { key: 'partnership', text: 'Which city has a partnership with {S}?' },
      { key: 'para1', text: 'Which town is paired with {S}?' },
    ],
  },
  {
    id: 'city_founder', subject: 'city', object: 'person',
    sentences: [
      { key: 'founded', text: '{S} was founded by {O}.' },
      { key: 'founded', text: '{S} was founded by {O} {at O2}.', with: [{ rel: 'city_founded', of: 'subject' }] },
      { key: 'founder', text: "{S's} founder was {O}." },
    ],
    questions: [
      { key: 'founded', text: 'Who founded {S}?' },
      { key: 'founded', text: 'By whom was {S} founded?' },
      { key: 'founder', text: 'Who was the founder of {S}?' },
      { key: 'para1', text: 'Who built the first houses of {S}?' },
    ],
  },
  {
    id: 'bridges', subject: 'city', object: 'number',
    sentences: [
      { key: 'bridges', text: '{S} has {O} bridges.' },
      { key: 'there', text: 'There are {O} bridges in {S}.' },
    ],
    questions: [
      { key: 'bridges', text: 'How many bridges does {S} have?' },
      { key: 'there', text: 'How many bridges are there in {S}?' },
      { key: 'para1', text: 'What is the number of bridges in {S}?' },
    ],
  },
];
