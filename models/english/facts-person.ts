/**
 * What paragraphs say about people: birth, parents, studies, work, moves, what they founded or
 * wrote, marriage, children, prizes, death, siblings, and offers they turned down (negation).
 */
import type { FactKind } from './fact-kind.ts';

export const PERSON_FACTS: readonly FactKind[] = [
  {
    id: 'born', subject: 'person', core: [],
    vp: ['was born {in:place}', 'was born', 'was born and raised {in:place}', '=came from {place}', '=was a native of {place}', 'grew up {in:place}, where {pro} was born'],
    participle: ['Born {in:place}', 'Born'],
    clause: ["={S's} {~birthplace} was {place}", '{place} was where {S} was born', '{S} was born {in:time} {in:place}'],
    questions: {
      place: ['Where was {S} born?', 'In which {type:place} was {S} born?', "What is {S's} {~birthplace}?", 'Where does {S} come from?', 'Which {type:place} is {S} from?', 'Where did {S} grow up?'],
      time: ['When was {S} born?', 'Y|In what year was {S} born?', 'Y|What year was {S} born in?', "What is {S's} date of birth?"],
    },
  },
  {
    id: 'parent_job', subject: 'person', core: ['job'],
    vp: ['was the {g:daughter|son} of {a:job}', 'grew up as the {g:daughter|son} of {a:job}'],
    participle: ['The {g:daughter|son} of {a:job}', 'Raised by {a:job}'],
    apposition: ['the {g:daughter|son} of {a:job}'],
    clause: ["{S's} {parent} was {a:job}", "{S's} {parent} worked as {a:job}"],
    questions: {
      job: ["What did {S's} {parent} do for a living?", "What was {S's} {parent}'s {~occupation}?", "What did {S's} {parent} work as?"],
    },
  },
  {
    id: 'studied', subject: 'person', core: [],
    vp: ['studied {field} at {school}', '{~study:past} {field} at {school}', 'studied {field}', 'went to {school}', 'enrolled at {school} to study {field}',
      'took a degree in {field} at {school}', 'graduated in {field} from {school}', 'was educated at {school}', 'trained in {field}'],
    participle: ['After studying {field} at {school}', 'Having studied {field}', 'After graduating from {school}', 'Educated at {school}'],
    apposition: ['a graduate of {school}', 'a {field} graduate'],
    clause: ['At {school}, {S} studied {field}', '{S} spent several years at {school}, where {pro} studied {field}', '{S} chose {field}, which {pro} studied at {school}'],
    questions: {
      field: ['What did {S} study?', 'What did {S} {~study} at {school}?', 'Which subject did {S} study?', 'What subject did {S} take a degree in?', 'In what field did {S} {~graduate}?', 'What was {S} trained in?'],
      school: ['Where did {S} study?', 'Where did {S} study {field}?', 'Which {type:school} did {S} {~attend}?', 'Where was {S} educated?', 'From which {type:school} did {S} {~graduate}?'],
      S: ['Who studied {field} at {school}?'],
    },
  },
  {
    id: 'job', subject: 'person', core: [],
    vp: ['worked as {a:profession}', 'worked as {a:profession} at {employer}', 'became {a:profession}', 'found work as {a:profession} at {employer}', 'took a job as {a:profession} with {employer}',
      'joined {employer} as {a:profession}', 'joined {employer}', 'worked for {employer}', 'was {~employ:pp} by {employer} as {a:profession}', 'trained as {a:profession}'],
    participle: ['After training as {a:profession}', 'After joining {employer}', 'Working as {a:profession}'],
    apposition: ['{a:profession}', '{a:profession} at {employer}', '{a:profession} by profession'],
    clause: ['{employer} {~employ:past} {S} as {a:profession}', '={S} made a living as {a:profession}', '=For many years {S} worked at {employer}'],
    questions: {
      profession: ['What did {S} work as?', "What was {S's} {~occupation}?", "What was {S's} profession?", 'What job did {S} have at {employer}?', 'What did {S} do for a living?', 'What did {S} train as?'],
      employer: ['Where did {S} work?', 'Which {type:employer} did {S} work for?', 'Who {~employ:past} {S}?', 'Which organisation did {S} {~join}?', 'For whom did {S} work?'],
      time: ['When did {S} {~join} {employer}?', 'Y|In what year did {S} start working at {employer}?', 'When did {S} become {a:profession}?'],
      S: ['Who worked as {a:profession} at {employer}?'],
    },
    impliedBy: ['founded'],
  },
  {
    id: 'moved', subject: 'person', core: ['place'],
    vp: ['moved to {place}', 'relocated to {place}', 'settled {in:place}', 'left for {place}', 'made {poss} home {in:place}', 'went to live {in:place}'],
    participle: ['After moving to {place}', 'Having settled {in:place}'],
    clause: ['{S} and {poss} family moved to {place}', '{place} became {S\'s} home'],
    questions: {
      place: ['Where did {S} move to?', 'Where did {S} {~move}?', 'To which {type:place} did {S} move?', 'Where did {S} make {poss} home?', 'Where did {S} go to live?'],
      time: ['When did {S} move to {place}?', 'Y|In what year did {S} settle in {place}?', 'When did {S} {~move} to {place}?'],
    },
  },
  {
    id: 'founded', subject: 'person', core: ['org'],
    vp: ['founded {org}', '{~found:past} {org}', 'set up {org}', 'opened {what}', 'started {what} {in:place}', 'founded {org}, {what}', 'opened {what} {in:place}', '{~found:past} {org} {in:place}', 'was the {~founder} of {org}'],
    participle: ['After founding {org}', 'Having set up {what} {in:place}', 'Having opened {what}'],
    apposition: ['the {~founder} of {org}'],
    clause: ['{org} was {~found:pp} by {S}', '{org}, {what}, was founded by {S}', '{org} was set up by {S} {in:place}'],
    questions: {
      org: ['What did {S} {~found}?', 'Which {type:org} did {S} {~found}?', 'What did {S} open {in:place}?', 'What did {S} start?'],
      what: ['What kind of business did {S} open?', 'What did {S} open {in:place}?', 'What sort of place did {S} set up?'],
      place: ['Where did {S} found {org}?', 'In which {type:place} did {S} open {org}?', 'Where did {S} set up {org}?'],
      time: ['When did {S} {~found} {org}?', 'Y|In what year did {S} {~found} {org}?', 'When was {org} founded?', 'Y|In what year did {S} open {org}?'],
      S: ['Who founded {org}?', 'Who {~found:past} {org}?', 'Who is the {~founder} of {org}?', 'By whom was {org} {~found:pp}?'],
    },
  },
  {
    id: 'married', subject: 'person', core: ['spouse'],
    vp: ['married {spouse}', 'married the {spouseJob} {spouse}', '={~marry:past} {spouse}, {a:spouseJob}'],
    clause: ['{S} and {spouse} married', "{S's} {g@spouse:wife|husband}, {spouse}, was {a:spouseJob}", '{spouse}, {a:spouseJob}, married {S}'],
    questions: {
      spouse: ['Who did {S} marry?', 'Whom did {S} {~marry}?', "Who was {S's} {g@spouse:wife|husband}?", "Who was {S's} {~spouse}?"],
      time: ['When did {S} marry {spouse}?', 'Y|In what year did {S} and {spouse} marry?', 'When did {S} {~marry}?'],
      spouseJob: ["What did {S's} {g@spouse:wife|husband} do for a living?", "What was the {~occupation} of {S's} {~spouse}?", 'What did {spouse} work as?'],
    },
  },
  {
    id: 'children', subject: 'person', core: ['count'],
    vp: ['had {count} children', 'raised {count} children', 'had {count} children with {spouse}', 'brought up {count} children'],
    clause: ['{S} and {spouse} had {count} children', '={S} was the {g:mother|father} of {count}'],
    questions: { count: ['How many children did {S} have?', 'How many {~child:pl} did {S} raise?', 'How many children did {S} bring up?', 'How many children did {S} and {spouse} have?'] },
  },
  {
    id: 'award', subject: 'person', core: ['award'],
    vp: ['won {the:award}', '{~win:past} {the:award}', 'was {~award:pp} {the:award}', 'received {the:award} for {poss} work', 'was given {the:award}'],
    clause: ['{the:award} went to {S}', "{S's} work earned {obj} {the:award}", '{S} became the first {g:woman|man} to win {the:award}'],
    questions: {
      award: ['Which {~prize} did {S} win?', 'What {~prize} did {S} receive?', 'What award was {S} given?', 'What did {S} win?', 'Which honour went to {S}?'],
      time: ['When did {S} win {the:award}?', 'Y|In what year was {S} {~award:pp} {the:award}?', 'When did {S} receive {the:award}?'],
      S: ['Who won {the:award}?', 'Who was {~award:pp} {the:award}?', 'Who received {the:award}?'],
    },
  },
  {
    id: 'wrote', subject: 'person', core: ['work', 'workKind'],
    vp: ['wrote {a:workKind}, {work}', 'published {a:workKind} called {work}', '={~publish:past} {work}, {a:workKind}', '{~write:past} {work}'],
    participle: ['After publishing {work}'],
    apposition: ['the author of {work}'],
    clause: ["{S's} {workKind}, {work}, appeared {in:time}", '{work}, {a:workKind}, was written by {S}', '={work} was {S\'s} first {workKind}'],
    questions: {
      work: ["What is the title of {S's} {workKind}?", 'What did {S} write?', 'Which {workKind} did {S} {~publish}?', "What was {S's} {workKind} called?", 'What {workKind} did {S} write?'],
      workKind: ['What kind of book is {work}?', 'What sort of book did {S} write?'],
      time: ['When did {S} {~publish} {work}?', 'When was {work} published?', 'Y|In what year did {work} appear?'],
      S: ['Who wrote {work}?', 'Who is the author of {work}?', 'Who {~write:past} {work}?'],
    },
  },
  {
    id: 'died', subject: 'person', core: [],
    vp: ['died {in:place}', 'died', '{~die:past} {in:place}', 'died {in:place} at the age of {age}', 'died at the age of {age}'],
    clause: ['={S} was {age} when {pro} died', '{S} died {in:place} {in:time}, aged {age}'],
    questions: {
      time: ['When did {S} die?', 'Y|In what year did {S} {~die}?', 'When did {S} {~die}?'],
      place: ['Where did {S} die?', 'In which {type:place} did {S} {~die}?'],
      age: ['How old was {S} when {pro} died?', 'At what age did {S} die?', 'How old was {S} at {poss} death?'],
    },
  },
  {
    id: 'sibling', subject: 'person', core: ['sibling'],
    vp: ['had a younger {g@sibling:sister|brother}, {sibling}', 'had an older {g@sibling:sister|brother} named {sibling}', 'grew up with {poss} {g@sibling:sister|brother} {sibling}'],
    clause: ["={S's} {g@sibling:sister|brother} was {sibling}"],
    questions: { sibling: ["Who was {S's} {g@sibling:sister|brother}?", "What was the name of {S's} {g@sibling:sister|brother}?", 'What was the name of the {g@sibling:sister|brother} of {S}?'] },
  },
  {
    id: 'declined', subject: 'person', core: [],
    vp: ['was offered a place at {school} but never went', 'applied to {school} but was turned away', 'turned down a job at {employer}',
      'was offered a job at {employer} but declined it', 'nearly joined {employer}, but changed {poss} mind'],
    clause: ['{school} offered {S} a place, but {pro} never took it up', 'Although {employer} offered {obj} a job, {S} said no'],
    questions: {},
    traps: [
      { text: 'Where did {S} study?', plausible: 'school', reason: 'negation', unless: 'studied.school' },
      { text: 'Which {type:school} did {S} {~attend}?', plausible: 'school', reason: 'negation', unless: 'studied.school' },
      { text: 'Where did {S} work?', plausible: 'employer', reason: 'negation', unless: 'job.employer' },
      { text: 'Which {type:employer} did {S} work for?', plausible: 'employer', reason: 'negation', unless: 'job.employer' },
    ],
  },
];
