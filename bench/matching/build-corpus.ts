// Writes bench/matching/corpus.json: a catalogue and labelled Plex scrobbles for the matching
// benchmark. Run `npx tsx bench/matching/build-corpus.ts` after editing the tables below.
//
// Labels follow the rules in README.md, decided per case from what the scrobble carries, never
// from what the matcher answers: `expected` is the catalogue key when the evidence names one
// entry (an exact id, a unique title, a title year or Plex show year that rules the others
// out), else "conflict"; `expectedTop` is the entry a person would pick, when there is one.
// Ids are illustrative (shaped like TMDB/TVDB/IMDb ids, not checked against those services).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Show = {
  key: string;
  title: string;
  originalTitle?: string;
  first: string | null;
  last: string | null;
  tmdb?: number;
  tvdb?: number;
  imdb?: string;
  /** Pilot title, for the episode-title evidence. */
  pilot?: string;
  /** How a person types it / Plex shows it, differently punctuated: must still match. */
  variants?: string[];
  /** A localised title Plex may show instead (needs the original title to match). */
  localised?: string;
};

type Movie = {
  key: string;
  title: string;
  originalTitle?: string;
  year: number | null;
  tmdb?: number;
  imdb?: string;
  variants?: string[];
  localised?: string;
};

// biome-ignore format: one show per line reads best
const SHOWS: Show[] = [
  { key: 'icarly-2007', title: 'iCarly', first: '2007-09-08', last: '2012-11-23', tmdb: 5371, tvdb: 80284, imdb: 'tt0972534', pilot: 'iPilot' },
  { key: 'icarly-2021', title: 'iCarly', first: '2021-06-17', last: '2023-07-14', tmdb: 119243, tvdb: 396101, imdb: 'tt10905784', pilot: 'iStart Over' },
  { key: 'doctor-who-1963', title: 'Doctor Who', first: '1963-11-23', last: '1989-12-06', tmdb: 121, tvdb: 76107, imdb: 'tt0056751', pilot: 'An Unearthly Child' },
  { key: 'doctor-who-2005', title: 'Doctor Who', first: '2005-03-26', last: '2022-10-23', tmdb: 57243, tvdb: 78804, imdb: 'tt0436992', pilot: 'Rose' },
  { key: 'doctor-who-2023', title: 'Doctor Who', first: '2023-11-25', last: null, tmdb: 239770, tvdb: 436992, imdb: 'tt29433213', pilot: 'Space Babies' },
  { key: 'bsg-1978', title: 'Battlestar Galactica', first: '1978-09-17', last: '1979-04-29', tmdb: 501, tvdb: 71173, imdb: 'tt0076984', pilot: 'Saga of a Star World' },
  { key: 'bsg-2004', title: 'Battlestar Galactica', first: '2004-10-18', last: '2009-03-20', tmdb: 1972, tvdb: 73545, imdb: 'tt0407362', pilot: '33' },
  { key: 'office-uk', title: 'The Office', first: '2001-07-09', last: '2003-12-27', tmdb: 2996, tvdb: 78107, imdb: 'tt0290978', pilot: 'Downsize' },
  { key: 'office-us', title: 'The Office', first: '2005-03-24', last: '2013-05-16', tmdb: 2316, tvdb: 73244, imdb: 'tt0386676', pilot: 'Pilot' },
  { key: 'shameless-uk', title: 'Shameless', first: '2004-01-13', last: '2013-05-28', tmdb: 1906, tvdb: 78682, pilot: 'Episode 1' },
  { key: 'shameless-us', title: 'Shameless', first: '2011-01-09', last: '2021-04-11', tmdb: 34307, tvdb: 161511, pilot: 'Pilot' },
  { key: 'house-of-cards-1990', title: 'House of Cards', first: '1990-11-18', last: '1990-12-09', tmdb: 3134, tvdb: 80369, pilot: 'Episode 1' },
  { key: 'house-of-cards-2013', title: 'House of Cards', first: '2013-02-01', last: '2018-11-02', tmdb: 1425, tvdb: 262980, pilot: 'Chapter 1' },
  { key: 'charmed-1998', title: 'Charmed', first: '1998-10-07', last: '2006-05-21', tmdb: 1981, tvdb: 70626, pilot: 'Something Wicca This Way Comes' },
  { key: 'charmed-2018', title: 'Charmed', first: '2018-10-14', last: '2022-06-10', tmdb: 80585, tvdb: 349271, pilot: 'Pilot' },
  { key: 'macgyver-1985', title: 'MacGyver', first: '1985-09-29', last: '1992-04-25', tmdb: 1870, tvdb: 77847, pilot: 'Pilot' },
  { key: 'macgyver-2016', title: 'MacGyver', first: '2016-09-23', last: '2021-04-30', tmdb: 67133, tvdb: 311902, pilot: 'The Rising' },
  { key: 'magnum-1980', title: 'Magnum, P.I.', first: '1980-12-11', last: '1988-05-01', tmdb: 1881, tvdb: 74380, pilot: "Don't Eat the Snow in Hawaii", variants: ['Magnum PI'] },
  { key: 'magnum-2018', title: 'Magnum P.I.', first: '2018-09-24', last: '2024-05-15', tmdb: 78191, tvdb: 347966, pilot: 'I Saw the Sun Rise' },
  { key: 'knight-rider-1982', title: 'Knight Rider', first: '1982-09-26', last: '1986-08-08', tmdb: 1429, tvdb: 77216, pilot: 'Knight of the Phoenix' },
  { key: 'knight-rider-2008', title: 'Knight Rider', first: '2008-09-24', last: '2009-03-04', tmdb: 7842, tvdb: 82795, pilot: 'A Knight in Shining Armor' },
  { key: 'v-1983', title: 'V', first: '1984-10-26', last: '1985-03-22', tmdb: 1951, tvdb: 72116, pilot: 'Liberation Day' },
  { key: 'v-2009', title: 'V', first: '2009-11-03', last: '2011-03-15', tmdb: 1904, tvdb: 94971, pilot: 'Pilot' },
  { key: 'gossip-girl-2007', title: 'Gossip Girl', first: '2007-09-19', last: '2012-12-17', tmdb: 1395, tvdb: 80547, pilot: 'Pilot' },
  { key: 'gossip-girl-2021', title: 'Gossip Girl', first: '2021-07-08', last: '2023-01-26', tmdb: 113988, tvdb: 382147, pilot: 'Just Another Girl on the MTA' },
  { key: 'twilight-zone-1959', title: 'The Twilight Zone', first: '1959-10-02', last: '1964-06-19', tmdb: 6357, tvdb: 73587, pilot: 'Where Is Everybody?' },
  { key: 'twilight-zone-1985', title: 'The Twilight Zone', first: '1985-09-27', last: '1989-04-15', tmdb: 1918, tvdb: 72714, pilot: 'Shatterday' },
  { key: 'twilight-zone-2019', title: 'The Twilight Zone', first: '2019-04-01', last: '2020-06-25', tmdb: 83135, tvdb: 357888, pilot: 'The Comedian' },
  { key: 'quantum-leap-1989', title: 'Quantum Leap', first: '1989-03-26', last: '1993-05-05', tmdb: 1867, tvdb: 77201, pilot: 'Genesis' },
  { key: 'quantum-leap-2022', title: 'Quantum Leap', first: '2022-09-19', last: '2024-02-06', tmdb: 156890, tvdb: 416524, pilot: "July 13th, 1985" },
  { key: 'night-court-1984', title: 'Night Court', first: '1984-01-04', last: '1992-07-01', tmdb: 1833, tvdb: 76123, pilot: 'All You Need Is Love' },
  { key: 'night-court-2023', title: 'Night Court', first: '2023-01-17', last: null, tmdb: 205715, tvdb: 420521, pilot: 'Pilot' },
  { key: 'frasier-1993', title: 'Frasier', first: '1993-09-16', last: '2004-05-13', tmdb: 3452, tvdb: 77811, pilot: 'The Good Son' },
  { key: 'frasier-2023', title: 'Frasier', first: '2023-10-12', last: '2024-12-12', tmdb: 219109, tvdb: 424683, pilot: 'The Good Son' },
  { key: 'cowboy-bebop-1998', title: 'Cowboy Bebop', originalTitle: 'カウボーイビバップ', first: '1998-04-03', last: '1999-04-24', tmdb: 30991, tvdb: 76885, pilot: 'Asteroid Blues' },
  { key: 'cowboy-bebop-2021', title: 'Cowboy Bebop', first: '2021-11-19', last: '2021-11-19', tmdb: 91295, tvdb: 356291, pilot: 'Cowboy Gospel' },
  { key: 'one-piece-1999', title: 'One Piece', originalTitle: 'ワンピース', first: '1999-10-20', last: null, tmdb: 37854, tvdb: 81797, pilot: "I'm Luffy! The Man Who Will Become the Pirate King!" },
  { key: 'one-piece-2023', title: 'One Piece', first: '2023-08-31', last: null, tmdb: 111110, tvdb: 392276, pilot: 'Romance Dawn' },
  { key: 'hxh-1999', title: 'Hunter x Hunter', first: '1999-10-16', last: '2001-03-31', tmdb: 12944, tvdb: 79076, pilot: 'Departure × And × Friends' },
  { key: 'hxh-2011', title: 'Hunter x Hunter', first: '2011-10-02', last: '2014-09-24', tmdb: 46298, tvdb: 252322, pilot: 'Departure × And × Friends' },
  { key: 'kingdom-2019', title: 'Kingdom', originalTitle: '킹덤', first: '2019-01-25', last: '2020-03-13', tmdb: 70593, tvdb: 350485, pilot: 'Episode 1' },
  { key: 'kingdom-2014', title: 'Kingdom', first: '2014-10-08', last: '2017-08-09', tmdb: 61664, tvdb: 284390, pilot: 'Pilot' },
  { key: 'the-returned-2012', title: 'The Returned', originalTitle: 'Les Revenants', first: '2012-11-26', last: '2015-10-26', tmdb: 45016, tvdb: 263410, pilot: 'Camille', localised: 'Les Revenants' },
  { key: 'the-returned-2015', title: 'The Returned', first: '2015-03-09', last: '2015-05-11', tmdb: 62025, tvdb: 287291, pilot: 'Camille' },
  { key: 'the-bridge-2011', title: 'The Bridge', originalTitle: 'Bron/Broen', first: '2011-09-21', last: '2018-02-11', tmdb: 45782, tvdb: 252019, pilot: 'Episode 1', localised: 'Die Brücke – Transit in den Tod' },
  { key: 'the-bridge-2013', title: 'The Bridge', first: '2013-07-10', last: '2014-10-01', tmdb: 60748, tvdb: 267189, pilot: 'Pilot' },
  { key: 'hawaii-five-o-1968', title: 'Hawaii Five-O', first: '1968-09-20', last: '1980-04-05', tmdb: 1917, tvdb: 71223, pilot: 'Cocoon' },
  { key: 'hawaii-five-0-2010', title: 'Hawaii Five-0', first: '2010-09-20', last: '2020-04-03', tmdb: 32798, tvdb: 164541, pilot: 'Pilot' },
  { key: 'full-house', title: 'Full House', first: '1987-09-22', last: '1995-05-23', tmdb: 4313, tvdb: 70500, pilot: 'Our Very First Show' },
  { key: 'chicago-fire', title: 'Chicago Fire', first: '2012-10-10', last: null, tmdb: 44006, tvdb: 258541, pilot: 'Pilot' },
  { key: 'chicago-pd', title: 'Chicago P.D.', first: '2014-01-08', last: null, tmdb: 58841, tvdb: 269641, pilot: 'Stepping Stone', variants: ['Chicago PD'] },
  { key: 'chicago-med', title: 'Chicago Med', first: '2015-11-17', last: null, tmdb: 62650, tvdb: 295640, pilot: 'Derailed' },
  { key: 'law-and-order', title: 'Law & Order', first: '1990-09-13', last: null, tmdb: 549, tvdb: 72368, pilot: 'Prescription for Death', variants: ['Law and Order'] },
  { key: 'law-and-order-svu', title: 'Law & Order: Special Victims Unit', first: '1999-09-20', last: null, tmdb: 2734, tvdb: 75692, pilot: 'Payback', variants: ['Law and Order: Special Victims Unit'] },
  { key: 'ncis', title: 'NCIS', first: '2003-09-23', last: null, tmdb: 4614, tvdb: 72108, pilot: 'Yankee White' },
  { key: 'ncis-la', title: 'NCIS: Los Angeles', first: '2009-09-22', last: '2023-05-21', tmdb: 17610, tvdb: 95441, pilot: 'Identity', variants: ['NCIS Los Angeles'] },
  { key: 'star-trek-discovery', title: 'Star Trek: Discovery', first: '2017-09-24', last: '2024-05-30', tmdb: 67198, tvdb: 328711, pilot: 'The Vulcan Hello' },
  { key: 'star-trek-tng', title: 'Star Trek: The Next Generation', first: '1987-09-28', last: '1994-05-23', tmdb: 655, tvdb: 71470, pilot: 'Encounter at Farpoint' },
  { key: 'greys-anatomy', title: "Grey's Anatomy", first: '2005-03-27', last: null, tmdb: 1416, tvdb: 73762, pilot: 'A Hard Day\'s Night', variants: ['Greys Anatomy', 'Grey’s Anatomy'] },
  { key: 'shield', title: "Marvel's Agents of S.H.I.E.L.D.", first: '2013-09-24', last: '2020-08-12', tmdb: 1403, tvdb: 263365, pilot: 'Pilot', variants: ["Marvel's Agents of SHIELD", 'Marvels Agents of S.H.I.E.L.D'] },
  { key: '911', title: '9-1-1', first: '2018-01-03', last: null, tmdb: 75219, tvdb: 337065, pilot: 'Pilot', variants: ['911'] },
  { key: '911-lone-star', title: '9-1-1: Lone Star', first: '2020-01-19', last: '2025-02-03', tmdb: 89393, tvdb: 364080, pilot: 'Pilot', variants: ['911 Lone Star'] },
  { key: 'money-heist', title: 'Money Heist', originalTitle: 'La casa de papel', first: '2017-05-02', last: '2021-12-03', tmdb: 71446, tvdb: 327417, pilot: 'Episode 1', localised: 'Haus des Geldes' },
  { key: 'dark', title: 'Dark', first: '2017-12-01', last: '2020-06-27', tmdb: 70523, tvdb: 334824, pilot: 'Secrets' },
  { key: 'squid-game', title: 'Squid Game', originalTitle: '오징어 게임', first: '2021-09-17', last: '2025-06-27', tmdb: 93405, tvdb: 383275, pilot: 'Red Light, Green Light', localised: 'Le Jeu du calmar' },
  { key: 'attack-on-titan', title: 'Attack on Titan', originalTitle: 'Shingeki no Kyojin', first: '2013-04-07', last: '2023-11-05', tmdb: 1429001, tvdb: 267440, pilot: 'To You, in 2000 Years', localised: 'Shingeki no Kyojin' },
  { key: 'pokemon', title: 'Pokémon', first: '1997-04-01', last: null, tmdb: 60572, tvdb: 76703, pilot: 'Pokémon - I Choose You!', variants: ['Pokemon'] },
  { key: 'shogun-1980', title: 'Shōgun', first: '1980-09-15', last: '1980-09-19', tmdb: 4050, tvdb: 78016, pilot: 'Part 1' },
  { key: 'shogun-2024', title: 'Shōgun', first: '2024-02-27', last: null, tmdb: 126308, tvdb: 392573, pilot: 'Anjin', variants: ['Shogun'] },
  { key: 'bluey', title: 'Bluey', first: '2018-10-01', last: null, tmdb: 82728, tvdb: 353547, pilot: 'Magic Xylophone' },
  { key: 'severance', title: 'Severance', first: '2022-02-18', last: null, tmdb: 95396, tvdb: 371980, pilot: 'Good News About Hell' },
  { key: 'succession', title: 'Succession', first: '2018-06-03', last: '2023-05-28', tmdb: 76331, tvdb: 338186, pilot: 'Celebration' },
  { key: 'the-bear', title: 'The Bear', first: '2022-06-23', last: null, tmdb: 136315, tvdb: 403245, pilot: 'System' },
  { key: 'breaking-bad', title: 'Breaking Bad', first: '2008-01-20', last: '2013-09-29', tmdb: 1396, tvdb: 81189, imdb: 'tt0903747', pilot: 'Pilot' },
  { key: 'better-call-saul', title: 'Better Call Saul', first: '2015-02-08', last: '2022-08-15', tmdb: 60059, tvdb: 273181, pilot: 'Uno' },
  { key: 'game-of-thrones', title: 'Game of Thrones', first: '2011-04-17', last: '2019-05-19', tmdb: 1399, tvdb: 121361, imdb: 'tt0944947', pilot: 'Winter Is Coming' },
  { key: 'house-of-the-dragon', title: 'House of the Dragon', first: '2022-08-21', last: null, tmdb: 94997, tvdb: 371572, pilot: 'The Heirs of the Dragon' },
  { key: 'sherlock', title: 'Sherlock', first: '2010-07-25', last: '2017-01-15', tmdb: 19885, tvdb: 176941, pilot: 'A Study in Pink' },
  { key: 'friends', title: 'Friends', first: '1994-09-22', last: '2004-05-06', tmdb: 1668, tvdb: 79168, pilot: 'The One Where Monica Gets a Roommate' },
  { key: 'the-wire', title: 'The Wire', first: '2002-06-02', last: '2008-03-09', tmdb: 1438, tvdb: 79126, pilot: 'The Target' },
  { key: 'the-sopranos', title: 'The Sopranos', first: '1999-01-10', last: '2007-06-10', tmdb: 1398, tvdb: 75299, pilot: 'The Sopranos' },
  { key: 'mad-men', title: 'Mad Men', first: '2007-07-19', last: '2015-05-17', tmdb: 1104, tvdb: 80337, pilot: 'Smoke Gets in Your Eyes' },
  { key: 'twin-peaks', title: 'Twin Peaks', first: '1990-04-08', last: '2017-09-03', tmdb: 1920, tvdb: 70533, pilot: 'Pilot' },
  { key: 'narcos', title: 'Narcos', first: '2015-08-28', last: '2017-09-01', tmdb: 63351, tvdb: 282670, pilot: 'Descenso' },
  { key: 'narcos-mexico', title: 'Narcos: Mexico', first: '2018-11-16', last: '2021-11-05', tmdb: 80968, tvdb: 353232, pilot: 'Camelot' },
  { key: 'vikings', title: 'Vikings', first: '2013-03-03', last: '2020-12-30', tmdb: 44217, tvdb: 260449, pilot: 'Rites of Passage' },
  { key: 'vikings-valhalla', title: 'Vikings: Valhalla', first: '2022-02-25', last: '2024-07-11', tmdb: 116135, tvdb: 375903, pilot: 'Wer Not' },
  { key: 'westworld', title: 'Westworld', first: '2016-10-02', last: '2022-08-14', tmdb: 63247, tvdb: 296762, pilot: 'The Original' },
  { key: 'the-boys', title: 'The Boys', first: '2019-07-26', last: null, tmdb: 76479, tvdb: 355567, pilot: 'The Name of the Game' },
  { key: 'arcane', title: 'Arcane', first: '2021-11-06', last: '2024-11-23', tmdb: 94605, tvdb: 371028, pilot: 'Welcome to the Playground' },
  { key: 'the-crown', title: 'The Crown', first: '2016-11-04', last: '2023-12-14', tmdb: 65494, tvdb: 305574, pilot: 'Wolferton Splash' },
  { key: 'downton-abbey', title: 'Downton Abbey', first: '2010-09-26', last: '2015-12-25', tmdb: 33907, tvdb: 193131, pilot: 'Episode 1' },
  { key: 'babylon-berlin', title: 'Babylon Berlin', first: '2017-10-13', last: null, tmdb: 72156, tvdb: 328470, pilot: 'Episode 1' },
  { key: 'lupin', title: 'Lupin', first: '2021-01-08', last: null, tmdb: 96677, tvdb: 375865, pilot: 'Chapter 1' },
  { key: 'elite', title: 'Elite', originalTitle: 'Élite', first: '2018-10-05', last: null, tmdb: 76669, tvdb: 346960, pilot: 'Welcome', variants: ['Élite'] },
  { key: 'gomorrah', title: 'Gomorrah', originalTitle: 'Gomorra - La serie', first: '2014-05-06', last: '2021-12-17', tmdb: 61068, tvdb: 279122, pilot: 'Episode 1', localised: 'Gomorra - La serie' },
  { key: 'that-70s-show', title: "That '70s Show", first: '1998-08-23', last: '2006-05-18', tmdb: 52, tvdb: 73787, pilot: 'That \'70s Pilot', variants: ['That 70s Show'] },
  { key: 'that-90s-show', title: "That '90s Show", first: '2023-01-19', last: '2024-08-22', tmdb: 157065, tvdb: 413986, pilot: "That '90s Pilot" },
  { key: 'avatar-tla-2005', title: 'Avatar: The Last Airbender', first: '2005-02-21', last: '2008-07-19', tmdb: 246, tvdb: 74852, pilot: 'The Boy in the Iceberg' },
  { key: 'avatar-tla-2024', title: 'Avatar: The Last Airbender', first: '2024-02-22', last: null, tmdb: 82452, tvdb: 385925, pilot: 'Aang' },
  { key: 'no-dates-a', title: 'Skins', first: null, last: null, tmdb: 1900, tvdb: 79773, pilot: 'Tony' },
  { key: 'no-dates-b', title: 'Skins', first: '2011-01-17', last: '2011-03-21', tmdb: 34634, tvdb: 195711, pilot: 'Tony' },
  { key: 'no-ids-show', title: 'The Expanse', first: '2015-12-14', last: '2022-01-14', pilot: 'Dulcinea' },
  { key: 'no-ids-twin-a', title: 'Being Human', first: '2008-02-18', last: '2013-03-10', pilot: 'Episode 1' },
  { key: 'no-ids-twin-b', title: 'Being Human', first: '2011-01-17', last: '2014-04-07', pilot: 'There Goes the Neighborhood' },
];

/** Shows a Plex library has but the catalogue does not: always a conflict, nothing to rank. */
// biome-ignore format: one show per line reads best
const NOT_IN_CATALOGUE: { title: string; first: string; note: string }[] = [
  { title: 'Fuller House', first: '2016-02-26', note: 'spin-off, catalogue has Full House' },
  { title: 'Chicago Justice', first: '2017-03-01', note: 'catalogue has the other Chicago shows' },
  { title: 'Star Trek: Picard', first: '2020-01-23', note: 'catalogue has Discovery and TNG' },
  { title: 'NCIS: New Orleans', first: '2014-09-23', note: 'catalogue has NCIS and NCIS: LA' },
  { title: 'Law & Order: Criminal Intent', first: '2001-09-30', note: 'sibling of two catalogued shows' },
  { title: 'The Office (US)', first: '2005-03-24', note: 'a qualifier Plex keeps and the catalogue does not' },
  { title: 'Doctor Who: The Sarah Jane Adventures', first: '2007-01-01', note: 'spin-off' },
  { title: 'Money Heist: Korea - Joint Economic Area', first: '2022-06-24', note: 'remake with a longer title' },
  { title: 'Dark Matter', first: '2015-06-12', note: 'shares a word with Dark' },
  { title: 'Severance Pay', first: '2020-01-01', note: 'invented near miss' },
  { title: 'Frasier Crane Chronicles', first: '2020-01-01', note: 'invented near miss' },
  { title: 'Squid Game: The Challenge', first: '2023-11-22', note: 'reality spin-off' },
  { title: 'House of the Dragon Behind the Scenes', first: '2022-08-21', note: 'invented near miss' },
  { title: 'Kingdom Hearts', first: '2020-01-01', note: 'invented near miss' },
  { title: 'Hawaii Five-1', first: '2030-01-01', note: 'number differs from Hawaii Five-0' },
  { title: 'Narcos: Colombia', first: '2030-01-01', note: 'invented sibling' },
  { title: '9-1-1: Nashville', first: '2025-10-09', note: 'sibling of two catalogued shows' },
  { title: 'Vikings: Valhalla 2', first: '2030-01-01', note: 'number differs' },
  { title: 'The Boys Presents: Diabolical', first: '2022-03-04', note: 'anthology spin-off' },
  { title: 'Pokémon Horizons', first: '2023-04-14', note: 'successor series' },
];

// biome-ignore format: one movie per line reads best
const MOVIES: Movie[] = [
  { key: 'dune-1984', title: 'Dune', year: 1984, tmdb: 841, imdb: 'tt0087182' },
  { key: 'dune-2021', title: 'Dune', year: 2021, tmdb: 438631, imdb: 'tt1160419' },
  { key: 'thing-1982', title: 'The Thing', year: 1982, tmdb: 1091, imdb: 'tt0084787' },
  { key: 'thing-2011', title: 'The Thing', year: 2011, tmdb: 60935, imdb: 'tt0905372' },
  { key: 'heat', title: 'Heat', year: 1995, tmdb: 949, imdb: 'tt0113277' },
  { key: 'total-recall-1990', title: 'Total Recall', year: 1990, tmdb: 861, imdb: 'tt0100802' },
  { key: 'total-recall-2012', title: 'Total Recall', year: 2012, tmdb: 64635, imdb: 'tt1386703' },
  { key: 'robocop-1987', title: 'RoboCop', year: 1987, tmdb: 5548, imdb: 'tt0093870' },
  { key: 'robocop-2014', title: 'RoboCop', year: 2014, tmdb: 97020, imdb: 'tt1234721' },
  { key: 'halloween-1978', title: 'Halloween', year: 1978, tmdb: 948, imdb: 'tt0077651' },
  { key: 'halloween-2007', title: 'Halloween', year: 2007, tmdb: 2082, imdb: 'tt0373883' },
  { key: 'halloween-2018', title: 'Halloween', year: 2018, tmdb: 424139, imdb: 'tt1502407' },
  { key: 'little-women-1994', title: 'Little Women', year: 1994, tmdb: 9587, imdb: 'tt0110367' },
  { key: 'little-women-2019', title: 'Little Women', year: 2019, tmdb: 331482, imdb: 'tt3281548' },
  { key: 'star-is-born-1976', title: 'A Star Is Born', year: 1976, tmdb: 6172, imdb: 'tt0075265' },
  { key: 'star-is-born-2018', title: 'A Star Is Born', year: 2018, tmdb: 332562, imdb: 'tt1517451' },
  { key: 'west-side-story-1961', title: 'West Side Story', year: 1961, tmdb: 1725, imdb: 'tt0055614' },
  { key: 'west-side-story-2021', title: 'West Side Story', year: 2021, tmdb: 511809, imdb: 'tt3581652' },
  { key: 'oldboy-2003', title: 'Oldboy', originalTitle: '올드보이', year: 2003, tmdb: 670, imdb: 'tt0364569' },
  { key: 'oldboy-2013', title: 'Oldboy', year: 2013, tmdb: 87516, imdb: 'tt1321511' },
  { key: 'amelie', title: 'Amélie', originalTitle: "Le Fabuleux Destin d'Amélie Poulain", year: 2001, tmdb: 194, imdb: 'tt0211915', localised: 'Die fabelhafte Welt der Amélie', variants: ['Amelie'] },
  { key: 'spirited-away', title: 'Spirited Away', originalTitle: '千と千尋の神隠し', year: 2001, tmdb: 129, imdb: 'tt0245429', localised: 'Le Voyage de Chihiro' },
  { key: 'parasite', title: 'Parasite', originalTitle: '기생충', year: 2019, tmdb: 496243, imdb: 'tt6751668' },
  { key: 'toy-story', title: 'Toy Story', year: 1995, tmdb: 862, imdb: 'tt0114709' },
  { key: 'toy-story-2', title: 'Toy Story 2', year: 1999, tmdb: 863, imdb: 'tt0120363' },
  { key: 'toy-story-3', title: 'Toy Story 3', year: 2010, tmdb: 10193, imdb: 'tt0435761' },
  { key: 'se7en', title: 'Se7en', year: 1995, tmdb: 807, imdb: 'tt0114369' },
  { key: 'wall-e', title: 'WALL·E', year: 2008, tmdb: 10681, imdb: 'tt0910970', variants: ['WALL-E', 'Wall-E'] },
  { key: 'blade-runner', title: 'Blade Runner', year: 1982, tmdb: 78, imdb: 'tt0083658' },
  { key: 'blade-runner-2049', title: 'Blade Runner 2049', year: 2017, tmdb: 335984, imdb: 'tt1856101' },
  { key: 'mad-max', title: 'Mad Max', year: 1979, tmdb: 9659, imdb: 'tt0079501' },
  { key: 'mad-max-fury-road', title: 'Mad Max: Fury Road', year: 2015, tmdb: 76341, imdb: 'tt1392190', variants: ['Mad Max Fury Road'] },
  { key: 'mi', title: 'Mission: Impossible', year: 1996, tmdb: 954, imdb: 'tt0117060', variants: ['Mission Impossible'] },
  { key: 'ghostbusters-1984', title: 'Ghostbusters', year: 1984, tmdb: 620, imdb: 'tt0087332' },
  { key: 'ghostbusters-2016', title: 'Ghostbusters', year: 2016, tmdb: 43074, imdb: 'tt1289401' },
  { key: 'twins-a', title: 'Twin Film', year: 2019 },
  { key: 'twins-b', title: 'Twin Film', year: 2020 },
  { key: 'no-year', title: 'Undated Classic', year: null },
];

const MOVIES_NOT_IN_CATALOGUE: { title: string; year: number }[] = [
  { title: 'Dune: Part Two', year: 2024 },
  { title: 'Halloween Kills', year: 2021 },
  { title: 'Toy Story 4', year: 2019 },
  { title: 'Heat 2', year: 2030 },
  { title: 'Blade Runner 2099', year: 2030 },
  { title: 'The Thing from Another World', year: 1951 },
  { title: 'Total Recall 2070', year: 1999 },
  { title: 'Scream', year: 1996 },
];

// ---------------------------------------------------------------------------------------------

type Case = {
  id: string;
  tags: string[];
  note: string;
  /** The Plex webhook's Metadata. */
  metadata: Record<string, unknown>;
  /** What the user's Plex server answers for the show (when one is configured). */
  plexShow?: { title: string; originalTitle?: string; year?: number; guids: string[] } | null;
  expected: string;
  expectedTop?: string | null;
  /** What the scrobble really is (null: not in the catalogue), whatever the evidence allows. */
  truth?: string | null;
};

const year = (iso: string | null) => (iso ? Number(iso.slice(0, 4)) : null);
const addDays = (iso: string, days: number) => {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
const sameTitle = (s: Show) =>
  SHOWS.filter(
    (o) =>
      o !== s &&
      o.title.toLowerCase().replace(/[^a-z0-9]/g, '') === s.title.toLowerCase().replace(/[^a-z0-9]/g, ''),
  );
const inside = (s: Show, date: string) =>
  s.first !== null && date >= s.first && (s.last === null || date <= s.last);
const outside = (s: Show, date: string) =>
  s.first !== null && (date < s.first || (s.last !== null && date > s.last));

let seq = 0;
const episodeGuids = () => {
  seq++;
  return [
    { id: `imdb://tt9${String(seq).padStart(7, '0')}` },
    { id: `tmdb://${9_000_000 + seq}` },
    { id: `tvdb://${9_500_000 + seq}` },
  ];
};

function episodeMeta(s: { title: string }, over: Record<string, unknown>): Record<string, unknown> {
  return {
    ratingKey: String(100_000 + seq),
    grandparentRatingKey: String(200_000 + seq),
    type: 'episode',
    librarySectionType: 'show',
    guid: `plex://episode/${seq.toString(16).padStart(24, '0')}`,
    grandparentGuid: `plex://show/${seq.toString(16).padStart(24, 'a')}`,
    grandparentTitle: s.title,
    parentIndex: 1,
    index: 1,
    Guid: episodeGuids(),
    ...over,
  };
}

const cases: Case[] = [];

for (const show of SHOWS) {
  const twins = sameTitle(show);
  const pilotDate = show.first ?? undefined;
  const pilot = {
    title: show.pilot ?? 'Pilot',
    originallyAvailableAt: pilotDate,
    year: year(show.first) ?? undefined,
  };

  // 1. Legacy agent: the show's own id in the episode guid.
  if (show.tvdb) {
    cases.push({
      id: `${show.key}/legacy-tvdb`,
      tags: ['show', 'legacy-agent', 'id'],
      note: 'legacy thetvdb guid carries the show id',
      metadata: episodeMeta(show, {
        guid: `com.plexapp.agents.thetvdb://${show.tvdb}/1/1?lang=en`,
        Guid: undefined,
        ...pilot,
      }),
      expected: show.key,
    });
  }
  if (show.tmdb) {
    cases.push({
      id: `${show.key}/legacy-themoviedb`,
      tags: ['show', 'legacy-agent', 'id'],
      note: 'legacy themoviedb guid carries the show id',
      metadata: episodeMeta(show, {
        guid: `com.plexapp.agents.themoviedb://${show.tmdb}/1/1?lang=en`,
        grandparentGuid: `com.plexapp.agents.themoviedb://${show.tmdb}?lang=en`,
        Guid: undefined,
        ...pilot,
      }),
      expected: show.key,
    });
  }

  // 2. New agent with the user's Plex server answering the show's ids.
  if (show.tmdb || show.tvdb || show.imdb) {
    const guids = [
      show.imdb && `imdb://${show.imdb}`,
      show.tmdb && `tmdb://${show.tmdb}`,
      show.tvdb && `tvdb://${show.tvdb}`,
    ].filter((g): g is string => Boolean(g));
    cases.push({
      id: `${show.key}/new-agent-server`,
      tags: ['show', 'new-agent', 'plex-server', 'id'],
      note: "new agent episode; the Plex server gives the show's Guid[]",
      metadata: episodeMeta(show, pilot),
      plexShow: { title: show.title, year: year(show.first) ?? undefined, guids },
      expected: show.key,
    });
  }

  // 3. New agent, no server: title and episode evidence only.
  if (pilotDate) {
    const date = addDays(pilotDate, 7);
    const excludesOthers = twins.every((t) => outside(t, date));
    const episodeTitleDiffers = twins.every((t) => (t.pilot ?? 'Pilot') !== (show.pilot ?? 'Pilot'));
    cases.push({
      id: `${show.key}/new-agent-title`,
      tags: ['show', 'new-agent', 'title', twins.length ? 'same-title' : 'unique-title'],
      note: twins.length
        ? `same title as ${twins.map((t) => t.key).join(', ')}: only episode evidence, a conflict`
        : 'unique title, episode aired inside the run',
      metadata: episodeMeta(show, {
        index: 2,
        title: `${show.pilot ?? 'Pilot'} Part Two`,
        originallyAvailableAt: date,
        year: year(date),
      }),
      expected: twins.length ? 'conflict' : show.key,
      expectedTop: twins.length
        ? (inside(show, date) && excludesOthers) || episodeTitleDiffers
          ? show.key
          : null
        : undefined,
    });
  } else {
    cases.push({
      id: `${show.key}/new-agent-title-nodates`,
      tags: ['show', 'new-agent', 'title', 'no-dates', twins.length ? 'same-title' : 'unique-title'],
      note: 'catalogue has no dates for this show',
      metadata: episodeMeta(show, {
        title: show.pilot ?? 'Pilot',
        originallyAvailableAt: undefined,
        year: undefined,
      }),
      expected: twins.length ? 'conflict' : show.key,
      expectedTop: twins.length ? null : undefined,
    });
  }

  // 4. Plex puts the first-aired year in the title ("Doctor Who (2005)"), no ids.
  if (show.first) {
    const sameYearTwin = twins.some((t) => year(t.first) === year(show.first));
    cases.push({
      id: `${show.key}/title-year`,
      tags: ['show', 'title', 'year-in-title', twins.length ? 'same-title' : 'unique-title'],
      note: 'year suffix in the Plex title, no ids',
      metadata: episodeMeta({ title: `${show.title} (${year(show.first)})` }, { Guid: [], ...pilot }),
      expected: sameYearTwin ? 'conflict' : show.key,
      expectedTop: sameYearTwin ? null : undefined,
    });
  }

  // 5. New agent + Plex server without ids, but with the show's year (catalogue ids unknown).
  if (show.first && twins.length > 0) {
    const ruled = twins.every(
      (t) => t.first !== null && Math.abs((year(t.first) ?? 0) - (year(show.first) ?? 0)) > 1,
    );
    cases.push({
      id: `${show.key}/server-year-only`,
      tags: ['show', 'new-agent', 'plex-server', 'same-title', 'show-year'],
      note: 'the Plex server knows the show year but no id the catalogue has',
      metadata: episodeMeta(show, {
        ...pilot,
        index: 3,
        title: 'Some Episode',
        originallyAvailableAt: undefined,
        year: undefined,
      }),
      // An imdb id, a kind most of the catalogue lacks; where an entry has one, it differs, and
      // a differing id of the same kind is a hard contradiction (issue 13).
      plexShow: {
        title: show.title,
        year: year(show.first) ?? undefined,
        guids: [`imdb://tt8${String(cases.length).padStart(7, '0')}`],
      },
      expected: ruled && !show.imdb && twins.every((t) => !t.imdb) ? show.key : 'conflict',
      expectedTop: ruled && !show.imdb && twins.every((t) => !t.imdb) ? undefined : null,
    });
  }

  // 5b. Issue 13 family: a legacy guid whose show id the catalogue lacks, for a title it has.
  if (show.first && twins.length === 0) {
    cases.push({
      id: `${show.key}/legacy-absent-id`,
      tags: ['show', 'legacy-agent', 'absent-id', 'remake-absent'],
      note: 'legacy themoviedb guid naming a show the catalogue lacks, under a title it has',
      metadata: episodeMeta(show, {
        guid: `com.plexapp.agents.themoviedb://${6_000_000 + cases.length}/1/1?lang=en`,
        Guid: undefined,
        title: 'Another Pilot',
        originallyAvailableAt: addDays(show.first, 3650),
      }),
      expected: 'conflict',
      expectedTop: null,
    });
  }

  // 6. Typed differently: punctuation, accents, "&", apostrophes.
  for (const [i, variant] of (show.variants ?? []).entries()) {
    cases.push({
      id: `${show.key}/variant-${i + 1}`,
      tags: ['show', 'title', 'punctuation', 'missing-ids'],
      note: `Plex title "${variant}"`,
      metadata: episodeMeta({ title: variant }, { Guid: [], ...pilot }),
      expected: twins.length ? 'conflict' : show.key,
      // The pilot's air date and title tell same-titled shows apart here.
      expectedTop: twins.length ? show.key : undefined,
    });
  }

  // 7. A localised title: found through the original title the Plex server gives, else a conflict.
  if (show.localised && show.originalTitle) {
    cases.push({
      id: `${show.key}/localised-server`,
      tags: ['show', 'localised', 'plex-server'],
      note: `Plex shows "${show.localised}"; the server gives the original title but no id the catalogue has`,
      metadata: episodeMeta({ title: show.localised }, { Guid: [], ...pilot }),
      plexShow: {
        title: show.localised,
        originalTitle: show.originalTitle,
        year: year(show.first) ?? undefined,
        guids: [],
      },
      // Same-titled twins do not share the original title, so it names this show alone.
      expected: show.key,
    });
    const localisedIsOriginal = show.localised === show.originalTitle;
    cases.push({
      id: `${show.key}/localised-no-server`,
      tags: ['show', 'localised', 'missing-ids'],
      note: `Plex shows "${show.localised}" and nothing else`,
      metadata: episodeMeta({ title: show.localised }, { Guid: [], ...pilot }),
      // The localised title equals the catalogue's original title: found like any title.
      expected: localisedIsOriginal ? show.key : 'conflict',
      expectedTop: localisedIsOriginal ? undefined : null,
    });
  }

  // 8. A special (season 0) by legacy id.
  if (show.tvdb && show.first && !twins.length) {
    cases.push({
      id: `${show.key}/special`,
      tags: ['show', 'special', 'legacy-agent', 'id'],
      note: 'season 0 special, legacy tvdb guid',
      metadata: episodeMeta(show, {
        guid: `com.plexapp.agents.thetvdb://${show.tvdb}/0/1?lang=en`,
        Guid: undefined,
        parentIndex: 0,
        index: 1,
        title: 'Special',
        originallyAvailableAt: addDays(show.last ?? show.first, 400),
      }),
      expected: show.key,
    });
  }

  // 9. Anime via HAMA: tvdb- ids are show ids; anidb- ids are not in the catalogue.
  if (show.originalTitle && show.tvdb && /[぀-ヿ]|Shingeki/.test(show.originalTitle)) {
    cases.push({
      id: `${show.key}/hama-tvdb`,
      tags: ['show', 'anime', 'hama', 'id'],
      note: 'HAMA tvdb- guid',
      metadata: episodeMeta(show, {
        guid: `com.plexapp.agents.hama://tvdb-${show.tvdb}/1/1?lang=en`,
        Guid: undefined,
        ...pilot,
      }),
      expected: show.key,
    });
    cases.push({
      id: `${show.key}/hama-anidb`,
      tags: ['show', 'anime', 'hama', 'title', twins.length ? 'same-title' : 'unique-title'],
      note: 'HAMA anidb- guid: no anidb ids in the catalogue, title evidence only',
      metadata: episodeMeta(show, {
        guid: `com.plexapp.agents.hama://anidb-${show.tvdb % 20_000}/1/1?lang=en`,
        Guid: undefined,
        ...pilot,
      }),
      expected: twins.length ? 'conflict' : show.key,
      expectedTop: twins.length ? show.key : undefined,
    });
  }
}

for (const missing of NOT_IN_CATALOGUE) {
  cases.push({
    id: `missing/${missing.title}`,
    tags: ['show', 'not-in-catalogue', 'missing-ids'],
    note: missing.note,
    metadata: episodeMeta(missing, {
      Guid: [],
      originallyAvailableAt: missing.first,
      year: year(missing.first) ?? undefined,
    }),
    expected: 'conflict',
    expectedTop: null,
  });
}

function movieMeta(title: string, over: Record<string, unknown>): Record<string, unknown> {
  seq++;
  return {
    ratingKey: String(300_000 + seq),
    type: 'movie',
    librarySectionType: 'movie',
    guid: `plex://movie/${seq.toString(16).padStart(24, 'b')}`,
    title,
    Guid: [],
    ...over,
  };
}

const movieTwins = (m: Movie) =>
  MOVIES.filter((o) => o !== m && o.title.toLowerCase() === m.title.toLowerCase());

for (const movie of MOVIES) {
  const twins = movieTwins(movie);
  if (movie.tmdb || movie.imdb) {
    cases.push({
      id: `${movie.key}/movie-new-agent`,
      tags: ['movie', 'new-agent', 'id'],
      note: "the movie's own Guid[]",
      metadata: movieMeta(movie.title, {
        year: movie.year ?? undefined,
        Guid: [
          movie.imdb && { id: `imdb://${movie.imdb}` },
          movie.tmdb && { id: `tmdb://${movie.tmdb}` },
        ].filter(Boolean),
      }),
      expected: `movie:${movie.key}`,
    });
  }
  if (movie.imdb) {
    cases.push({
      id: `${movie.key}/movie-legacy-imdb`,
      tags: ['movie', 'legacy-agent', 'id'],
      note: 'legacy imdb agent',
      metadata: movieMeta(movie.title, {
        guid: `com.plexapp.agents.imdb://${movie.imdb}?lang=en`,
        year: movie.year ?? undefined,
      }),
      expected: `movie:${movie.key}`,
    });
  }
  if (movie.tmdb) {
    cases.push({
      id: `${movie.key}/movie-legacy-tmdb`,
      tags: ['movie', 'legacy-agent', 'id'],
      note: 'legacy themoviedb agent',
      metadata: movieMeta(movie.title, {
        guid: `com.plexapp.agents.themoviedb://${movie.tmdb}?lang=en`,
        year: movie.year ?? undefined,
      }),
      expected: `movie:${movie.key}`,
    });
  }
  // Title + year, no ids.
  if (movie.year !== null) {
    const closeTwin = twins.some((t) => t.year === null || Math.abs(t.year - (movie.year as number)) <= 1);
    cases.push({
      id: `${movie.key}/movie-title-year`,
      tags: ['movie', 'title', 'missing-ids', twins.length ? 'remake' : 'unique-title'],
      note: twins.length ? 'remake: the year tells them apart' : 'unique title',
      metadata: movieMeta(movie.title, { year: movie.year }),
      expected: closeTwin ? 'conflict' : `movie:${movie.key}`,
      expectedTop: closeTwin ? `movie:${movie.key}` : undefined,
    });
  }
  // Title only, no year, no ids.
  cases.push({
    id: `${movie.key}/movie-title-only`,
    tags: ['movie', 'title', 'missing-ids', 'no-year'],
    note: twins.length ? 'remake and no year: ambiguous' : 'unique title, no year',
    metadata: movieMeta(movie.title, {}),
    expected: twins.length ? 'conflict' : `movie:${movie.key}`,
    expectedTop: twins.length ? null : undefined,
  });
  for (const [i, variant] of (movie.variants ?? []).entries()) {
    cases.push({
      id: `${movie.key}/movie-variant-${i + 1}`,
      tags: ['movie', 'title', 'punctuation', 'missing-ids'],
      note: `Plex title "${variant}"`,
      metadata: movieMeta(variant, { year: movie.year ?? undefined }),
      expected: `movie:${movie.key}`,
    });
  }
  if (movie.localised && movie.originalTitle) {
    cases.push({
      id: `${movie.key}/movie-localised`,
      tags: ['movie', 'localised', 'missing-ids'],
      note: 'localised title; Plex sends the original title too',
      metadata: movieMeta(movie.localised, {
        originalTitle: movie.originalTitle,
        year: movie.year ?? undefined,
      }),
      expected: `movie:${movie.key}`,
    });
  }
}

for (const missing of MOVIES_NOT_IN_CATALOGUE) {
  cases.push({
    id: `missing-movie/${missing.title}`,
    tags: ['movie', 'not-in-catalogue', 'missing-ids'],
    note: 'not in the catalogue (sequel, spin-off or a near title)',
    metadata: movieMeta(missing.title, { year: missing.year }),
    expected: 'conflict',
    expectedTop: null,
  });
}

const tvKey = (key: string) => (key === 'conflict' || key.startsWith('movie:') ? key : `tvshow:${key}`);
const corpus = {
  description:
    'plexhook matching corpus: catalogue + labelled Plex scrobbles. Generated by build-corpus.ts; see README.md for the labelling rules.',
  catalogue: {
    shows: SHOWS.map((s) => ({
      key: s.key,
      title: s.title,
      originalTitle: s.originalTitle ?? null,
      firstAired: s.first,
      lastAired: s.last,
      tmdbId: s.tmdb ?? null,
      tvdbId: s.tvdb ?? null,
      imdbId: s.imdb ?? null,
      seasons: s.first
        ? [
            { number: 0, episodes: [{ number: 1, title: 'Special', airDate: null }] },
            {
              number: 1,
              episodes: [
                { number: 1, title: s.pilot ?? 'Pilot', airDate: s.first },
                { number: 2, title: `${s.pilot ?? 'Pilot'} Part Two`, airDate: addDays(s.first, 7) },
              ],
            },
          ]
        : [{ number: 1, episodes: [{ number: 1, title: s.pilot ?? 'Pilot', airDate: null }] }],
    })),
    movies: MOVIES.map((m) => ({
      key: m.key,
      title: m.title,
      originalTitle: m.originalTitle ?? null,
      year: m.year,
      tmdbId: m.tmdb ?? null,
      imdbId: m.imdb ?? null,
    })),
  },
  cases: cases.map((c) => ({
    ...c,
    truth:
      c.id.startsWith('missing') || c.tags.includes('remake-absent')
        ? null
        : c.tags.includes('movie')
          ? `movie:${c.id.split('/')[0]}`
          : `tvshow:${c.id.split('/')[0]}`,
    expected: tvKey(c.expected),
    ...(c.expectedTop !== undefined
      ? { expectedTop: c.expectedTop === null ? null : tvKey(c.expectedTop) }
      : {}),
  })),
};

const out = join(__dirname, 'corpus.json');
writeFileSync(out, `${JSON.stringify(corpus, null, 1)}\n`);
const count = (pred: (c: Case) => boolean) => cases.filter(pred).length;
console.log(
  `wrote ${out}: ${cases.length} cases (${count((c) => c.expected === 'conflict')} expected conflicts), ` +
    `${SHOWS.length} shows, ${MOVIES.length} movies`,
);
