/**
 * What paragraphs say about places: what kind of place, where it lies (region, river, distance
 * and direction from another place), population, what it is known for, its age, events in its
 * history, its mayor; landmarks (bridges, buildings, parks: built when, by whom, how long); rivers
 * (length, where they flow) and islands (ferries); and a plan that was dropped (negation).
 */
import type { FactKind } from './fact-kind.ts';

const SETTLEMENT = ['city', 'town', 'village', 'island'];

export const PLACE_FACTS: readonly FactKind[] = [
  {
    id: 'place_kind', subject: 'place', only: SETTLEMENT, core: ['what'], present: true,
    vp: ['is {what}', 'is {what} {in:region}', 'remains {what}'],
    apposition: ['{what}', '{what} {in:region}'],
    clause: ['{S} is {what} in {region}'],
    questions: { what: ['What kind of place is {S}?', 'What is {S}?', 'What sort of {type:S} is {S}?'] },
  },
  {
    id: 'region', subject: 'place', only: SETTLEMENT, core: ['region'], present: true, impliedBy: ['on_river', 'near'],
    vp: ['lies {in:region}', 'is {in:region}', 'is located {in:region}', 'is situated {in:region}'],
    participle: ['Situated {in:region}', 'Located {in:region}'],
    clause: ['{S} is one of the oldest settlements {in:region}'],
    questions: { region: ['Where is {S}?', 'In which region is {S}?', 'In what region does {S} lie?', 'Which region is {S} in?', 'Where is {S} located?'] },
  },
  {
    id: 'on_river', subject: 'place', only: ['city', 'town', 'village'], core: ['river'], present: true,
    vp: ['lies on {river}', 'stands on the banks of {river}', 'sits on {river}', 'grew up on {river}'],
    participle: ['Situated on {river}', 'Built on the banks of {river}'],
    clause: ['{river} {~flow:s} through {S}', '{river} runs through the middle of {S}'],
    questions: { river: ['Which river does {S} lie on?', 'What river {~flow:s} through {S}?', 'On which river is {S}?', 'Which river runs through {S}?', 'What river is {S} built on?'] },
  },
  {
    id: 'near', subject: 'place', only: SETTLEMENT, core: ['other', 'direction'], present: true,
    vp: ['lies {distance} {direction} of {other}', 'is {distance} {direction} of {other}', 'lies {direction} of {other}'],
    participle: ['Lying {distance} {direction} of {other}'],
    clause: ['{S} is {distance} {direction} of {other}', 'From {other}, {S} is {distance} to the {direction}'],
    questions: {
      other: ['Near which {type:other} is {S}?', 'Which {type:other} is {S} close to?', 'Which nearby {type:other} is mentioned along with {S}?'],
      distance: ['How far is {S} from {other}?', 'How far from {other} is {S}?', 'What is the distance between {S} and {other}?'],
      direction: ['In which direction from {other} does {S} lie?', 'Which way from {other} is {S}?'],
    },
    traps: [{ text: 'Which {type:other} lies {direction} of {S}?', plausible: 'other', reason: 'swapped-roles' }],
  },
  {
    id: 'population', subject: 'place', only: SETTLEMENT, core: ['count'], present: true,
    vp: ['has a population of {count}', 'has {count} {~inhabitant:pl}', 'is home to {count} people', 'had {count} {~inhabitant:pl} {in:time}', 'had a population of {count} {in:time}'],
    clause: ['{count} people live in {S}', "{S's} population is {count}", '{in:time}, {S} had {count} {~inhabitant:pl}', 'The census {in:time} counted {count} people in {S}'],
    questions: { count: ['How many people live in {S}?', 'What is the population of {S}?', 'How many {~inhabitant:pl} does {S} have?', "How large is {S's} population?", 'How many people does {S} have?'] },
  },
  {
    id: 'known_for', subject: 'place', only: SETTLEMENT, core: ['things'], present: true,
    vp: ['is {~famous} for {things}', 'is known for {things}', 'is best known for {things}', 'draws visitors with {things}'],
    participle: ['Known for {things}', '{~famous} for {things}'],
    clause: ['{S} is perhaps best known for {things}', 'Visitors come to {S} for {things}'],
    questions: { things: ['What is {S} known for?', 'What is {S} {~famous} for?', 'For what is {S} best known?', 'What draws visitors to {S}?'] },
  },
  {
    id: 'place_founded', subject: 'place', only: SETTLEMENT, core: [],
    vp: ['was founded', 'was first mentioned', 'dates back to {time}', 'was granted its charter'],
    participle: ['Founded {in:time}', 'First mentioned {in:time}'],
    clause: ['The first record of {S} dates from {time}', '{S} has been inhabited since {time}'],
    questions: { time: ['When was {S} founded?', 'When was {S} first mentioned?', 'How far back does {S} date?', 'Y|In what year was {S} founded?'] },
  },
  {
    id: 'event', subject: 'place', only: SETTLEMENT, core: ['what', 'verb', 'damage'],
    vp: ['was hit by {what} {in:time}, which {verb} {damage}', 'suffered {what} that {verb} {damage}'],
    clause: ['{in:time}, {what} {verb} {damage} of {S}', '{what} {verb} {damage} of {S} {in:time}'],
    questions: {
      what: ['What {verb} {damage} of {S}?', 'What hit {S} {in:time}?', 'What disaster struck {S} {in:time}?'],
      time: ['When did {what} hit {S}?', 'Y|In what year did {what} strike {S}?', 'When was {damage} of {S} {verb}?'],
    },
  },
  {
    id: 'mayor', subject: 'place', only: ['city', 'town', 'village'], core: ['mayor'], present: true,
    vp: ['is governed by its mayor, {mayor}', 'has been led by {mayor} {since:time}', 'has had {mayor} as its mayor {since:time}'],
    clause: ["{S's} mayor is {mayor}", '{mayor} has been mayor of {S} {since:time}', '{mayor} was elected mayor of {S} {in:time}'],
    questions: {
      mayor: ['Who is the mayor of {S}?', "Who is {S's} mayor?", 'Who governs {S}?', 'Who leads {S}?'],
      time: ['When was {mayor} elected mayor?', 'Since when has {mayor} been mayor of {S}?', 'Y|In what year did {mayor} become mayor?'],
    },
  },
  {
    id: 'ferry', subject: 'place', only: ['island'], core: ['port'], present: true,
    vp: ['is reached by ferry from {port}', 'is linked to {port} by a ferry', 'can be reached by boat from {port} in {duration}'],
    clause: ['Ferries to {S} leave from {port}', 'The ferry from {port} takes {duration} to reach {S}'],
    questions: {
      port: ['Where does the ferry to {S} leave from?', 'From which {type:port} can {S} be reached by ferry?', 'Which port links {S} to the mainland?'],
      duration: ['How long does the ferry to {S} take?', 'How long is the crossing to {S}?'],
    },
  },
  {
    id: 'built', subject: 'place', only: ['bridge', 'building', 'park'], core: [],
    vp: ['was built {in:time}', 'was {~build:pp} {in:time} to a design by {designer}', '=was designed by {designer}', 'opened {in:time}', 'was completed {in:time}'],
    participle: ['Built {in:time}', '=Designed by {designer}', 'Completed {in:time}'],
    clause: ['={designer} {~design:past} {S}', '{S} was the work of {designer}', 'Work on {S} ended {in:time}'],
    questions: {
      time: ['When was {S} built?', 'Y|In what year was {S} {~build:pp}?', 'When was {S} completed?', 'When did {S} open?'],
      designer: ['Who designed {S}?', 'Who was the architect of {S}?', 'Whose design was {S} built to?'],
      S: ['What did {designer} design?'],
    },
  },
  {
    id: 'length', subject: 'place', only: ['bridge', 'river'], core: ['measure'], present: true,
    vp: ['is {measure} long', 'stretches for {measure}', 'runs for {measure}'],
    clause: ['{S} has a length of {measure}'],
    questions: { measure: ['How long is {S}?', 'What is the length of {S}?', 'How far does {S} stretch?'] },
  },
  {
    id: 'crosses', subject: 'place', only: ['bridge'], core: ['river'], present: true,
    vp: ['crosses {river}', '{~cross:s} {river}', 'spans {river}', 'carries the road over {river}'],
    clause: ['{S} takes the railway across {river}'],
    questions: { river: ['Which river does {S} cross?', 'What does {S} span?', 'What river does {S} {~cross}?'] },
  },
  {
    id: 'stands_in', subject: 'place', only: ['bridge', 'building', 'park'], core: ['town'], present: true, impliedBy: ['crosses'],
    vp: ['stands {in:town}', 'is {in:town}', 'is one of the sights of {town}'],
    clause: ['{town} is home to {S}', 'Visitors to {town} often see {S}'],
    questions: { town: ['Where is {S}?', 'In which {type:town} does {S} stand?', 'Which {type:town} is {S} in?'] },
  },
  {
    id: 'flows_into', subject: 'place', only: ['river'], core: ['mouth'], present: true,
    vp: ['{~flow:s} into {mouth}', 'empties into {mouth}', 'runs into {mouth}'],
    clause: ['{S} reaches {mouth} near {town}', '{mouth} is where {S} ends'],
    questions: { mouth: ['Where does {S} flow into?', 'What does {S} empty into?', 'Into what does {S} {~flow}?'], town: ['Near which town does {S} reach {mouth}?'] },
  },
  {
    id: 'plan_dropped', subject: 'place', only: ['city', 'town', 'village'], core: ['project'],
    vp: ['once planned {project}, but the plan was dropped', 'never got {project}, though one was planned'],
    clause: ['Plans for {project} in {S} were dropped', '{S} was to have {project}, but it was never built'],
    questions: {},
    traps: [
      { text: 'When was {project} in {S} built?', plausible: 'time', reason: 'negation' },
      { text: 'When did {project} open in {S}?', plausible: 'time', reason: 'negation' },
    ],
  },
];
