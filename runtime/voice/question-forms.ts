/**
 * What a spoken question about a text is made of besides the text's own words: the openings of
 * English questions (interrogative words and the auxiliaries inverted after them, Quirk et al.,
 * "A Comprehensive Grammar of the English Language" §11.14–11.17) and a general vocabulary of
 * factoid questions (time, place, people, organisations, quantities, family, work, events), with
 * British and American spellings. It is written by hand for questions in general, not taken from
 * any test set; a word outside it and outside the context cannot be recognised with the biased
 * model (docs/voice.md says so), and adding one here is the remedy.
 */

/** Interrogative openings, as words. */
export const QUESTION_OPENINGS: readonly string[] = [
  'who', 'whom', 'whose', 'what', 'which', 'when', 'where', 'why', 'how',
  'how many', 'how much', 'how long', 'how old', 'how large', 'how big', 'how far', 'how often',
  'in what year', 'in which year', 'what year', 'in what city', 'in which city', 'which city', 'what city',
  'in which country', 'which country', 'what country', 'in what month', 'on what date', 'on which date', 'what date',
  'at what age', 'by whom', 'for whom', 'to whom', 'with whom', 'from whom', 'from where', 'since when', 'until when',
  'for how long', 'for which', 'for what', 'in which', 'in what', 'at which', 'at what', 'to which', 'to what', 'from which',
  'of which', 'of what', 'by which', 'with which', 'on which', 'on what', 'under which', 'after which', 'before which',
  'what kind of', 'what type of', 'what sort of', 'which one of', 'what is the name of', 'what was the name of',
  'name the', 'tell me', 'do you know', 'can you tell me',
];

/** Auxiliaries and copulas that follow an interrogative (subject-auxiliary inversion). */
export const AUXILIARIES: readonly string[] = [
  'is', 'was', 'are', 'were', 'did', 'does', 'do', 'has', 'have', 'had', 'can', 'could', 'will', 'would', 'should', 'may', 'might', 'must',
];

/** Words that many factoid questions use, whatever the text. */
export const QUESTION_VOCABULARY: readonly string[] = (`
a an the this that these those it its he she his her him they them their there here one ones
of in on at to for from by with about into onto after before during since until between among against through under over
and or but not no nor than as also only first last next later earlier ever still yet else
be been being become became becomes get got gets give gave given go went gone come came take took taken make made makes
name names named called call known know knew title titled
year years date dates day days month months time times age aged century decade period era when
january february march april may june july august september october november december
city cities town towns country countries place places state region area village capital home hometown birthplace
born birth die died death dies pass passed away live lived lives living reside resided resident settle settled move moved relocate relocated
grow grew grown raise raised spend spent stay stayed return returned leave left travel travelled traveled visit visited
marry married marriage wed wedded husband wife spouse partner wedding
father mother parent parents son daughter child children kids brother brothers sister sisters sibling siblings family
grandfather grandmother uncle aunt cousin nephew niece
person people man men woman women someone anyone who's whose
work worked works working job jobs career profession occupation trade trained train training employ employed employs employer employee employees
staff worker workers payroll personnel team member members head heads headed lead leads led leader director chief president chairman
manager boss founder founders found founded establish established set start started begin began open opened launch launched
create created build built design designed invent invented discover discovered develop developed produce produced produces make
close closed shut end ended stop stopped dissolve dissolved cease ceased
company companies firm business organisation organization organisations organizations institution institutions
school college university academy conservatory society club group union museum library hospital church
studied study student students graduate graduated degree education educated teach taught teacher professor enrol enroll enrolled
win won award awarded awards prize prizes honour honor honours honors medal receive received receiving get
write wrote written book books publish published novel novels poem poems song songs album
base based headquarters headquartered office offices located location situated site seat
join joined belong belonged member part serve served rival rivals rivalry compete competes competitor competitors challenge challenges
famous known for specialise specialize specialises specializes specialised specialized specialty speciality focus focuses
main major largest biggest oldest youngest first last older younger elder eldest
number many much how few several large small big size total amount count
what's where's when's who's how's
`).trim().split(/\s+/);

/**
 * Nouns an interrogative determiner asks for ("which river", "what prize"): the kinds of thing a
 * factoid question names (TREC's question classes: places, organisations, people by role, works,
 * events, measures), each said after "which" and "what" in the biased model.
 */
export const QUESTION_NOUNS: readonly string[] = (`
person man woman people city cities town towns village country countries region state province district island islands
river rivers lake lakes sea ocean mountain mountains valley bay coast port harbour harbor street road bridge building
school schools university college academy company companies firm business organisation organization institution group team club party
prize award awards medal title honour honor year month day date century decade season age language languages instrument sport
book novel film song album painting ship train station church museum hospital library theatre theater factory
job profession occupation career subject field product products service services industry
`).trim().split(/\s+/);

/**
 * Collocations questions are built of, whatever the text: a verb with its particle or
 * preposition, and relational phrases ("runs through", "is known for", "the population of"),
 * written by hand for English questions in general.
 */
export const QUESTION_PHRASES: readonly string[] = [
  'runs through', 'flows through', 'passes through', 'lies on', 'lies in', 'is located in', 'is situated in', 'is based in',
  'is known for', 'is famous for', 'is home to', 'belongs to', 'is part of', 'is named after', 'was named after', 'is the capital of',
  'is paired with', 'is twinned with', 'is the head of', 'took over', 'set up', 'came into being', 'came to power',
  'was born in', 'grew up in', 'went to', 'studied at', 'worked as', 'worked for', 'trained as', 'moved to', 'passed away',
  'the population of', 'the number of', 'the size of', 'the name of', 'the owner of', 'the founder of', 'the director of',
  'the leader of', 'the mayor of', 'a member of', 'a student at', 'a student of',
];

/**
 * Verbs in the base form a question about someone or something asks with after "did"/"does" and
 * a name ("where did Maria Kowalski study", "what does the company make"): a question names what
 * the text calls it in its own words, and do-support puts the verb in its base form whatever the
 * text's tense (Quirk et al. §11.15). Written by hand for factoid questions in general.
 */
export const QUESTION_VERBS: readonly string[] = (`
be have do make get give take go come become begin start end stop close open found establish set launch create build design
invent discover develop produce sell buy purchase acquire own run lead head govern rule manage direct serve represent join
leave belong work train study teach learn graduate attend marry wed divorce die live settle move relocate stay return visit
travel grow raise bring win receive earn write publish compose paint sing play record cover offer operate employ hire cost
reach lie stand sit flow pass border connect carry host hold contain include call mean replace succeed follow invest deal
specialise specialize focus compete challenge support fund supply cause happen change
`).trim().split(/\s+/);

/**
 * Nouns asked about as "the population of X", "X's birthplace", "who is the mayor of X": a thing's
 * measures and a person's or an organisation's relations, written by hand for factoid questions
 * in general.
 */
export const RELATIONAL_NOUNS: readonly string[] = (`
population area size number name capital length height elevation altitude width depth age value price cost total
owner founder director leader head mayor president chairman manager chief members staff workforce employer employees
headquarters birthplace hometown profession career occupation job trade wife husband spouse partner father mother son daughter
brother sister children parents family rival rivals competitor speciality specialty product products main history origin
birth death date year start end home seat language currency river
`).trim().split(/\s+/);

/** Plural nouns counted by "how many" ("how many bridges", "how many people"): people, works, places, things a text numbers. */
export const COUNT_NOUNS: readonly string[] = (`
people inhabitants residents citizens employees workers staff members students pupils children sons daughters brothers sisters
books novels poems songs albums films plays paintings bridges branches offices stores shops factories plants mills ships boats
trains stations lines churches schools museums hospitals languages countries cities towns villages islands years months days
times games matches goals medals prizes awards titles seats rooms floors beds copies units products customers visitors
`).trim().split(/\s+/);
