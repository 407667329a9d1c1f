/**
 * The English generator's curated word lists: surnames and first names of many cultures (beside the
 * generated English first-name list), real place names, professions, fields of study, kinds of
 * organisation with how they are described, what places are known for. Hand-picked for this
 * generator; real names are facts about the world, not anyone's text.
 */
import type { OrgType } from './world.ts';

/** First names beyond the English list: other cultures, and common names the English list leaves out. */
export const WORLD_FIRST_NAMES_F: readonly string[] = [
  'Maria', 'Anna', 'Elena', 'Sofia', 'Olga', 'Agnieszka', 'Katarzyna', 'Zofia', 'Ingrid', 'Astrid', 'Sigrid', 'Freya', 'Greta',
  'Lucia', 'Carmen', 'Isabel', 'Pilar', 'Chiara', 'Giulia', 'Francesca', 'Amelie', 'Claire', 'Margot', 'Aisha', 'Fatima', 'Leila',
  'Yasmin', 'Amina', 'Ngozi', 'Chiamaka', 'Wanjiru', 'Abena', 'Mei', 'Xiu', 'Yuki', 'Haruka', 'Sakura', 'Priya', 'Ananya', 'Lakshmi',
  'Deepa', 'Sunita', 'Ayesha', 'Zeynep', 'Elif', 'Nadia', 'Irina', 'Svetlana', 'Tatiana', 'Eva', 'Lena', 'Hanna', 'Marta', 'Ewa',
  'Beatriz', 'Ines', 'Camila', 'Valentina', 'Ximena', 'Noor', 'Saanvi', 'Mariam', 'Hana', 'Jana', 'Petra', 'Katrin', 'Birgit',
];

export const WORLD_FIRST_NAMES_M: readonly string[] = [
  'Tomasz', 'Piotr', 'Jakub', 'Krzysztof', 'Lars', 'Anders', 'Erik', 'Magnus', 'Henrik', 'Jonas', 'Matthias', 'Klaus', 'Dieter',
  'Stefan', 'Marco', 'Luca', 'Giovanni', 'Alessandro', 'Pablo', 'Javier', 'Carlos', 'Diego', 'Miguel', 'Pierre', 'Antoine', 'Henri',
  'Omar', 'Karim', 'Youssef', 'Tariq', 'Hassan', 'Chinedu', 'Emeka', 'Kwame', 'Kofi', 'Tunde', 'Wei', 'Jun', 'Hiroshi', 'Kenji',
  'Takeshi', 'Ravi', 'Arjun', 'Vikram', 'Rahul', 'Sanjay', 'Mehmet', 'Emre', 'Dmitri', 'Sergei', 'Ivan', 'Nikolai', 'Pavel',
  'Mateo', 'Rafael', 'Joao', 'Thiago', 'Ahmed', 'Ibrahim', 'Samir', 'Jan', 'Karel', 'Milan', 'Tomas', 'Viktor', 'Oskar', 'Felix',
  'Peter', 'John', 'David', 'Michael', 'James', 'Robert', 'Thomas', 'Daniel', 'Samuel',
];

export const SURNAMES: readonly string[] = [
  'Kowalski', 'Nowak', 'Wisniewski', 'Wojcik', 'Kaminski', 'Lewandowski', 'Zielinski', 'Szymanski', 'Dabrowski', 'Mazur',
  'Jensen', 'Nielsen', 'Hansen', 'Larsen', 'Andersson', 'Johansson', 'Lindqvist', 'Berg', 'Holm', 'Dahl', 'Lund', 'Nyberg',
  'Virtanen', 'Korhonen', 'Makinen', 'Muller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Hoffmann', 'Wagner', 'Richter',
  'Brandt', 'Vogel', 'Keller', 'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco',
  'Conti', 'Moretti', 'Garcia', 'Martinez', 'Lopez', 'Sanchez', 'Perez', 'Gomez', 'Fernandez', 'Torres', 'Ramirez', 'Navarro',
  'Ortega', 'Delgado', 'Castillo', 'Silva', 'Santos', 'Oliveira', 'Pereira', 'Costa', 'Almeida', 'Carvalho', 'Dubois', 'Moreau',
  'Laurent', 'Lefebvre', 'Fournier', 'Girard', 'Bonnet', 'Mercier', 'Rousseau', 'Blanchard', 'Janssen', 'Visser', 'Bakker', 'Smit',
  'Mulder', 'Dekker', 'Peeters', 'Claes', 'Novak', 'Horvat', 'Kovac', 'Dvorak', 'Svoboda', 'Novotny', 'Horvath', 'Szabo', 'Nagy',
  'Toth', 'Popescu', 'Ionescu', 'Petrov', 'Ivanov', 'Smirnov', 'Volkov', 'Sokolov', 'Popov', 'Kuznetsov', 'Morozov', 'Shevchenko',
  'Bondarenko', 'Kovalenko', 'Papadopoulos', 'Georgiou', 'Yilmaz', 'Kaya', 'Demir', 'Sahin', 'Celik', 'Ozturk', 'Aydin',
  'Haddad', 'Khoury', 'Mansour', 'Nasser', 'Hamdan', 'Saleh', 'Rahman', 'Hussain', 'Ali', 'Khan', 'Sharma', 'Patel', 'Gupta',
  'Singh', 'Kumar', 'Iyer', 'Nair', 'Reddy', 'Rao', 'Chatterjee', 'Banerjee', 'Mehta', 'Joshi', 'Desai', 'Kapoor', 'Chen', 'Wang',
  'Li', 'Zhang', 'Liu', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Lin', 'Tanaka', 'Suzuki', 'Takahashi', 'Watanabe', 'Yamamoto',
  'Nakamura', 'Kobayashi', 'Sato', 'Ito', 'Kimura', 'Kim', 'Park', 'Choi', 'Jung', 'Kang', 'Nguyen', 'Tran', 'Pham', 'Le',
  'Okafor', 'Okonkwo', 'Adeyemi', 'Balogun', 'Mensah', 'Owusu', 'Boateng', 'Kamau', 'Mwangi', 'Otieno', 'Dlamini', 'Nkosi',
  'Mokoena', 'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Evans', 'Thomas', 'Roberts',
  'Walker', 'Wright', 'Robinson', 'Thompson', 'Hughes', 'Edwards', 'Green', 'Hall', 'Wood', 'Harris', 'Clarke', 'Jackson',
  'Turner', 'Cooper', 'Morgan', 'Bennett', 'Murphy', 'Kelly', 'Byrne', 'Ryan', 'Doyle', 'Walsh', 'Campbell', 'Stewart',
  'MacLeod', 'Fraser', 'Morrison', 'Anderson', 'Ross', 'Gallagher', 'Hendricks', 'Whitfield', 'Ashworth', 'Pemberton', 'Fairbanks',
  'Okoye', 'Abara', 'Idowu', 'Quispe', 'Mamani', 'Flores', 'Rojas', 'Vargas', 'Herrera', 'Medina', 'Castro', 'Ruiz', 'Mendoza',
  'Eriksen', 'Halvorsen', 'Strand', 'Solberg', 'Aalto', 'Koskinen', 'Lehtonen', 'Petersen', 'Kristensen', 'Magnusson', 'Sorensen',
];

/** Real town and city names of many countries (a town is fictional in what the text says of it). */
export const TOWN_NAMES: readonly string[] = [
  'Gdansk', 'Torun', 'Lublin', 'Poznan', 'Olsztyn', 'Elblag', 'Sopot', 'Lund', 'Uppsala', 'Malmo', 'Orebro', 'Vaxjo', 'Kalmar',
  'Visby', 'Bergen', 'Tromso', 'Bodo', 'Alesund', 'Stavanger', 'Odense', 'Aarhus', 'Aalborg', 'Ribe', 'Esbjerg', 'Tampere',
  'Turku', 'Oulu', 'Vaasa', 'Lahti', 'Bremen', 'Kiel', 'Rostock', 'Lubeck', 'Erfurt', 'Jena', 'Freiburg', 'Passau', 'Ulm',
  'Bamberg', 'Trier', 'Coburg', 'Goslar', 'Linz', 'Graz', 'Salzburg', 'Bruges', 'Ghent', 'Leuven', 'Namur', 'Delft', 'Leiden',
  'Utrecht', 'Haarlem', 'Zwolle', 'Deventer', 'Groningen', 'Breda', 'Lille', 'Rouen', 'Nantes', 'Dijon', 'Rennes', 'Reims', 'Tours',
  'Annecy', 'Colmar', 'Arles', 'Nimes', 'Avignon', 'Bayonne', 'Porto', 'Braga', 'Coimbra', 'Evora', 'Faro', 'Leon', 'Burgos',
  'Cadiz', 'Toledo', 'Segovia', 'Girona', 'Bilbao', 'Oviedo', 'Murcia', 'Lucca', 'Siena', 'Parma', 'Verona', 'Padua', 'Trieste',
  'Bergamo', 'Modena', 'Ravenna', 'Lecce', 'Bari', 'Como', 'Perugia', 'Brno', 'Olomouc', 'Plzen', 'Kosice', 'Debrecen', 'Szeged',
  'Pecs', 'Sibiu', 'Brasov', 'Cluj', 'Iasi', 'Varna', 'Plovdiv', 'Split', 'Zadar', 'Rijeka', 'Maribor', 'Tartu', 'Parnu', 'Riga',
  'Liepaja', 'Kaunas', 'Klaipeda', 'Lviv', 'Odesa', 'Kharkiv', 'Izmir', 'Bursa', 'Trabzon', 'Konya', 'Patras', 'Volos', 'Larissa',
  'Galway', 'Cork', 'Sligo', 'Kilkenny', 'Derry', 'Inverness', 'Dundee', 'Stirling', 'Perth', 'Oban', 'Whitby', 'Ludlow', 'Kendal',
  'Hexham', 'Truro', 'Penzance', 'Lancaster', 'Durham', 'Bangor', 'Aberystwyth', 'Swansea', 'Harrogate', 'Keswick', 'Barnstaple',
  'Halifax', 'Moncton', 'Kingston', 'Guelph', 'Nanaimo', 'Kamloops', 'Dunedin', 'Nelson', 'Napier', 'Ballarat', 'Bendigo',
  'Geelong', 'Mildura', 'Fremantle', 'Mombasa', 'Kisumu', 'Nakuru', 'Arusha', 'Moshi', 'Kumasi', 'Tamale', 'Enugu', 'Jos',
  'Kaduna', 'Ibadan', 'Mysore', 'Pune', 'Nagpur', 'Madurai', 'Kochi', 'Udaipur', 'Shimla', 'Kandy', 'Galle', 'Hue', 'Hoi An',
  'Nara', 'Kanazawa', 'Sendai', 'Matsumoto', 'Hakodate', 'Gyeongju', 'Jeonju', 'Suzhou', 'Guilin', 'Xiamen', 'Cusco', 'Arequipa',
  'Cuenca', 'Salta', 'Mendoza', 'Rosario', 'Valparaiso', 'Oaxaca', 'Puebla', 'Merida', 'Fez', 'Meknes', 'Essaouira', 'Sousse',
];

export const RIVER_NAMES: readonly string[] = [
  'Vistula', 'Oder', 'Warta', 'Elbe', 'Weser', 'Moselle', 'Neckar', 'Main', 'Inn', 'Drava', 'Sava', 'Tisza', 'Morava', 'Vltava',
  'Loire', 'Garonne', 'Dordogne', 'Rhone', 'Saone', 'Seine', 'Somme', 'Meuse', 'Scheldt', 'Douro', 'Tagus', 'Ebro', 'Guadiana',
  'Arno', 'Tiber', 'Adige', 'Po', 'Dnieper', 'Don', 'Volga', 'Neman', 'Daugava', 'Glomma', 'Klaralven', 'Kemijoki', 'Severn',
  'Trent', 'Tweed', 'Tay', 'Spey', 'Shannon', 'Liffey', 'Wye', 'Tyne', 'Ouse', 'Avon', 'Fraser', 'Yukon', 'Niger', 'Volta',
  'Zambezi', 'Limpopo', 'Orange', 'Tana', 'Godavari', 'Kaveri', 'Mekong', 'Irrawaddy', 'Paraná', 'Orinoco',
].filter((n) => /^[A-Za-z ]+$/.test(n));

export const ISLAND_NAMES: readonly string[] = [
  'Gotland', 'Bornholm', 'Oland', 'Rugen', 'Usedom', 'Texel', 'Ameland', 'Sylt', 'Fohr', 'Saaremaa', 'Hiiumaa', 'Aland', 'Lewis',
  'Skye', 'Mull', 'Islay', 'Arran', 'Orkney', 'Anglesey', 'Lundy', 'Achill', 'Inishmore', 'Corsica', 'Elba', 'Ischia', 'Capri',
  'Gozo', 'Crete', 'Naxos', 'Corfu', 'Rhodes', 'Hvar', 'Korcula', 'Brac', 'Madeira', 'Lanzarote', 'Menorca', 'Zanzibar', 'Lamu',
  'Penang', 'Bohol', 'Tasmania', 'Vancouver Island', 'Newfoundland',
];

export const REGION_NAMES: readonly string[] = [
  'Pomerania', 'Silesia', 'Masuria', 'Scania', 'Dalarna', 'Jutland', 'Lapland', 'Karelia', 'Bavaria', 'Saxony', 'Thuringia',
  'Tyrol', 'Styria', 'Flanders', 'Brittany', 'Normandy', 'Burgundy', 'Provence', 'Alsace', 'Galicia', 'Castile', 'Andalusia',
  'Catalonia', 'Tuscany', 'Umbria', 'Piedmont', 'Liguria', 'Apulia', 'Moravia', 'Bohemia', 'Transylvania', 'Dalmatia', 'Istria',
  'Macedonia', 'Thessaly', 'Anatolia', 'Cornwall', 'Yorkshire', 'Galloway', 'Connacht', 'Munster', 'Ontario', 'Manitoba',
  'Otago', 'Gippsland', 'Kerala', 'Gujarat', 'Punjab', 'Hokkaido', 'Kyushu', 'Patagonia',
];

/** Parts of a building's or bridge's name, and street names. */
export const LANDMARK_WORDS: readonly string[] = ['Old', 'New', 'King', 'Queen', 'Market', 'Mill', 'Station', 'Harbour', 'Castle', 'Church', 'Bishop', 'Victoria', 'Union', 'Stone', 'Iron', 'Granary', 'Guild', 'Corn', 'Wool', 'Salt'];

export const PROFESSIONS: readonly string[] = [
  'chemist', 'nurse', 'teacher', 'engineer', 'architect', 'lawyer', 'journalist', 'doctor', 'surgeon', 'pharmacist', 'baker',
  'carpenter', 'electrician', 'painter', 'sculptor', 'photographer', 'librarian', 'accountant', 'pilot', 'midwife', 'vet',
  'geologist', 'botanist', 'astronomer', 'economist', 'historian', 'translator', 'musician', 'violinist', 'composer', 'novelist',
  'poet', 'fisherman', 'farmer', 'tailor', 'shoemaker', 'watchmaker', 'printer', 'stonemason', 'blacksmith', 'civil servant',
  'police officer', 'social worker', 'software developer', 'mechanic', 'chef', 'dentist', 'biologist', 'physicist', 'diplomat',
  'shopkeeper', 'miner', 'sailor', 'bookseller', 'potter', 'weaver', 'brewer', 'radio presenter', 'film director', 'dancer',
];

export const FIELDS: readonly string[] = [
  'chemistry', 'physics', 'biology', 'medicine', 'law', 'history', 'economics', 'mathematics', 'philosophy', 'architecture',
  'engineering', 'music', 'geology', 'botany', 'astronomy', 'linguistics', 'civil engineering', 'nursing', 'agriculture',
  'computer science', 'political science', 'art history', 'journalism', 'pharmacy', 'veterinary science', 'classics', 'theology',
  'marine biology', 'forestry', 'psychology', 'sociology', 'French literature', 'German', 'accounting', 'graphic design',
];

/** Kinds of organisation. A school-like type is what people study at. */
export const ORG_TYPES: readonly OrgType[] = [
  { id: 'bakery', offers: 'goods', word: 'Bakery', noun: 'bakery', descriptions: ['a small bakery', 'a family bakery', 'a small family-run bakery', 'a village bakery', 'a craft bakery'], products: ['bread', 'rye bread', 'cakes', 'pastries', 'biscuits', 'pretzels', 'wedding cakes', 'sourdough loaves'], leader: ['owner', 'head baker'], counts: ['shops'] },
  { id: 'brewery', offers: 'goods', word: 'Brewery', noun: 'brewery', descriptions: ['a small brewery', 'a craft brewery', 'an independent brewery', 'a family brewery'], products: ['beer', 'lager', 'stout', 'pale ale', 'cider', 'wheat beer'], leader: ['chief executive', 'owner', 'head brewer'], counts: ['pubs'] },
  { id: 'company', offers: 'goods', word: 'Company', noun: 'company', descriptions: ['a small furniture company', 'a shipping company', 'a software company', 'a textile firm', 'an engineering firm', 'a family toy company', 'a bicycle company'], products: ['furniture', 'bicycles', 'software', 'ferries', 'wooden toys', 'steel pipes', 'kitchen tools', 'fishing nets', 'wool blankets', 'pumps'], leader: ['chief executive', 'managing director', 'chairman'], counts: ['factories', 'offices', 'shops'] },
  { id: 'press', offers: 'goods', word: 'Press', noun: 'publisher', descriptions: ['a small publishing house', 'an independent publisher', 'a local newspaper publisher'], products: ['novels', 'poetry', 'maps', 'children\'s books', 'newspapers', 'travel guides', 'cookbooks'], leader: ['editor', 'publisher', 'managing director'], counts: ['titles a year'] },
  { id: 'airline', offers: 'services', word: 'Air', noun: 'airline', descriptions: ['a regional airline', 'a small charter airline', 'a low-cost airline'], products: ['regional flights', 'charter flights', 'cargo flights'], leader: ['chief executive'], counts: ['aircraft', 'routes'] },
  { id: 'charity', offers: 'services', word: 'Trust', noun: 'charity', descriptions: ['a local charity', 'a children\'s charity', 'a housing charity', 'an animal welfare charity', 'a small charity'], products: ['free meals', 'shelter for homeless people', 'reading lessons', 'care for stray dogs', 'legal advice'], leader: ['director', 'chair'], counts: ['volunteers', 'members'] },
  { id: 'club', offers: 'sport', word: 'Football Club', noun: 'club', descriptions: ['a football club', 'an amateur football club', 'a semi-professional football club'], products: ['a youth academy', 'a women\'s team'], leader: ['manager', 'chairman', 'coach'], counts: ['members', 'seats in its stadium'] },
  { id: 'rowing', offers: 'sport', word: 'Rowing Club', noun: 'club', descriptions: ['a rowing club', 'a sailing and rowing club'], products: ['rowing lessons', 'an annual regatta'], leader: ['captain', 'president'], counts: ['members', 'boats'] },
  { id: 'school', offers: 'teaching', word: 'School', noun: 'school', descriptions: ['a primary school', 'a secondary school', 'a boarding school', 'a village school', 'a music school'], products: ['music lessons', 'languages', 'sciences'], leader: ['head teacher', 'principal'], counts: ['pupils', 'teachers'] },
  { id: 'university', offers: 'teaching', word: 'University', noun: 'university', descriptions: ['a public university', 'a technical university', 'a small research university'], products: ['engineering', 'medicine', 'law', 'marine science'], leader: ['rector', 'vice-chancellor', 'president'], counts: ['students', 'faculties'] },
  { id: 'college', offers: 'teaching', word: 'College', noun: 'college', descriptions: ['an art college', 'a teacher training college', 'an agricultural college', 'a nursing college'], products: ['painting', 'teaching', 'farming', 'nursing'], leader: ['principal', 'dean'], counts: ['students'] },
  { id: 'museum', offers: 'collection', word: 'Museum', noun: 'museum', descriptions: ['a small local museum', 'a maritime museum', 'an art museum', 'a folk museum', 'a railway museum', 'a science museum'], products: ['old fishing boats', 'paintings', 'steam engines', 'folk costumes', 'clocks', 'maps and globes'], leader: ['director', 'curator'], counts: ['visitors a year', 'objects'] },
  { id: 'hospital', offers: 'services', word: 'Hospital', noun: 'hospital', descriptions: ['a general hospital', 'a children\'s hospital', 'a teaching hospital', 'a small rural hospital'], products: ['heart surgery', 'maternity care', 'cancer treatment', 'emergency care'], leader: ['chief executive', 'medical director'], counts: ['beds', 'doctors'] },
  { id: 'band', offers: 'music', word: '', noun: 'band', descriptions: ['a folk band', 'a rock band', 'a jazz quartet', 'a brass band', 'an indie pop band'], products: ['folk songs', 'rock music', 'jazz', 'marches', 'pop songs'], leader: ['singer', 'lead guitarist', 'bandleader'], counts: ['albums', 'members'] },
  { id: 'bank', offers: 'services', word: 'Bank', noun: 'bank', descriptions: ['a savings bank', 'a cooperative bank', 'a small regional bank'], products: ['loans to farmers', 'mortgages', 'savings accounts'], leader: ['chief executive', 'chairman', 'governor'], counts: ['branches'] },
  { id: 'library', offers: 'collection', word: 'Library', noun: 'library', descriptions: ['a public library', 'a lending library', 'a small reference library'], products: ['rare maps', 'old manuscripts', 'local newspapers'], leader: ['librarian', 'director'], counts: ['books', 'members'] },
  { id: 'theatre', offers: 'music', word: 'Theatre', noun: 'theatre', descriptions: ['a small theatre', 'a puppet theatre', 'a repertory theatre', 'an open-air theatre'], products: ['plays for children', 'comedies', 'opera'], leader: ['artistic director', 'director'], counts: ['seats'] },
  { id: 'orchestra', offers: 'music', word: 'Orchestra', noun: 'orchestra', descriptions: ['a chamber orchestra', 'a youth orchestra', 'a symphony orchestra'], products: ['classical music', 'film music', 'new music'], leader: ['conductor', 'music director'], counts: ['musicians', 'concerts a year'] },
  { id: 'dairy', offers: 'goods', word: 'Dairy', noun: 'dairy', descriptions: ['a cooperative dairy', 'a small dairy', 'a family dairy'], products: ['cheese', 'butter', 'yoghurt', 'ice cream', 'goat\'s cheese'], leader: ['manager', 'chairman'], counts: ['farms', 'cows'] },
];

/** Brand words for names that are not a person's or place's ("Nordlys", "Blue Harbour"). */
export const BRAND_WORDS: readonly string[] = [
  'Northern', 'Blue', 'Golden', 'Silver', 'Green', 'Red', 'White', 'Black', 'Harbour', 'Lighthouse', 'Anchor', 'Crown', 'Oak',
  'Willow', 'Birch', 'Maple', 'Heron', 'Falcon', 'Kestrel', 'Swallow', 'Fox', 'Badger', 'Otter', 'Pioneer', 'Summit', 'Meridian',
  'Compass', 'Beacon', 'Bridge', 'River', 'Valley', 'Hill', 'Coast', 'Island', 'Star', 'Sun', 'Polar', 'Atlas', 'Orion', 'Aurora',
];

/** What a place is described as. */
export const PLACE_DESCRIPTIONS: Readonly<Record<'city' | 'town' | 'village' | 'island', readonly string[]>> = {
  city: ['a port city', 'an old university city', 'a busy industrial city', 'a cathedral city', 'a river port'],
  town: ['a market town', 'a small fishing town', 'a spa town', 'a mining town', 'a quiet coastal town', 'a former mill town', 'a garrison town'],
  village: ['a small fishing village', 'a farming village', 'a mountain village', 'a village of stone houses', 'a lakeside village'],
  island: ['a rocky island', 'a low sandy island', 'a small wooded island', 'a windswept island'],
};

/** What places are known for: noun phrases, several of which may make a list. */
export const KNOWN_FOR: readonly string[] = [
  'its cheese', 'its medieval church', 'its annual jazz festival', 'its smoked fish', 'its old harbour', 'its wooden houses',
  'its wine', 'its salt mines', 'its Gothic town hall', 'its botanical garden', 'its lace', 'its pottery', 'its Christmas market',
  'its apple orchards', 'its sandy beaches', 'its castle ruins', 'its glassworks', 'its horse fair', 'its honey', 'its ship museum',
  'its hot springs', 'its rope bridge', 'its clock tower', 'its marble quarry', 'its olive groves', 'its summer music festival',
];

/** Events in a place's history: what happened (the answer of "What destroyed …?"). */
export const EVENTS: readonly { readonly what: string; readonly verb: string; readonly object: string }[] = [
  { what: 'a great fire', verb: 'destroyed', object: 'much of the old town' },
  { what: 'a flood', verb: 'swept away', object: 'the old wooden bridge' },
  { what: 'an earthquake', verb: 'damaged', object: 'the cathedral' },
  { what: 'a storm', verb: 'wrecked', object: 'the harbour wall' },
  { what: 'an outbreak of cholera', verb: 'killed', object: 'a third of the inhabitants' },
  { what: 'a landslide', verb: 'buried', object: 'the lower streets' },
];

/** Building descriptions ("housed in a two-storey brick building"). */
export const BUILDINGS: readonly string[] = [
  'a two-storey brick building', 'a former textile mill', 'an old railway station', 'a converted church', 'a glass and steel tower',
  'a timber-framed house', 'a former customs house', 'an eighteenth-century manor house', 'a low concrete building', 'a former warehouse',
];

export const AWARD_WORDS: readonly string[] = ['Prize', 'Medal', 'Award'];
export const AWARD_SUBJECTS: readonly string[] = ['Science', 'Literature', 'Architecture', 'Music', 'Journalism', 'Design', 'Poetry', 'Medicine', 'Teaching', 'Photography'];

/** Words for the titles of books, albums and plays. */
export const TITLE_WORDS: readonly string[] = [
  'Harbour', 'Winter', 'Salt', 'Lighthouse', 'River', 'Summer', 'Orchard', 'Garden', 'Stone', 'Bridge', 'Island', 'Morning',
  'Silence', 'Letters', 'Bread', 'Rain', 'Horses', 'Mountain', 'Night', 'North', 'Ferry', 'Lanterns', 'Glass', 'Bells',
];
export const TITLE_ADJECTIVES: readonly string[] = ['Quiet', 'Last', 'Long', 'Blue', 'Hidden', 'Broken', 'Empty', 'Little', 'Distant', 'Golden', 'Narrow', 'Bright'];
/** What a book is ("a novel", "a history of the town"). */
export const WORK_KINDS: readonly string[] = ['novel', 'book', 'memoir', 'collection of poems', 'cookbook', 'biography', 'history'];

export const SEASONS: readonly string[] = ['spring', 'summer', 'autumn', 'winter'];
export const MONTHS: readonly string[] = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Compass directions for "about 20 kilometres north of …"; each with its opposite for swapped questions. */
export const DIRECTIONS: readonly (readonly [string, string])[] = [
  ['north', 'south'], ['south', 'north'], ['east', 'west'], ['west', 'east'], ['north-east', 'south-west'], ['south-west', 'north-east'],
  ['north-west', 'south-east'], ['south-east', 'north-west'],
];
