// movienight's page: people, a mood, ten cards. Plain DOM and fetch; every piece of data goes in
// through textContent, never as HTML.
'use strict';

const MOODS = ['cozy', 'romantic', 'funny', 'scary', 'tense', 'mind-bending', 'feel-good', 'family', 'epic', 'sad',
  'action'];
const MAX_PEOPLE = 8;
const K = 10;

const $ = (selector, root = document) => root.querySelector(selector);
let personSerial = 0;
const people = [];  // {root, name, user, likeInput, likes: [title], chips}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('aria-') || key === 'role') node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// ---- people -------------------------------------------------------------------------------------

function renumber() {
  people.forEach((p, i) => {
    $('.person-title', p.root).textContent = `Person ${i + 1}`;
    $('.remove-person', p.root).hidden = people.length <= 1;
    $('.remove-person', p.root).setAttribute('aria-label', `Remove person ${i + 1}`);
  });
  $('#add-person').disabled = people.length >= MAX_PEOPLE;
}

function addPerson() {
  if (people.length >= MAX_PEOPLE) return null;
  const n = ++personSerial;
  const root = $('#person-template').content.firstElementChild.cloneNode(true);
  const person = {
    root,
    name: $('.name', root),
    user: $('.user', root),
    likeInput: $('.like-input', root),
    list: $('.suggestions', root),
    chips: $('.likes', root),
    likes: [],
  };
  const title = $('.person-title', root);
  title.id = `person-${n}-title`;
  root.setAttribute('aria-labelledby', title.id);
  for (const [cls, input] of [['name-label', person.name], ['user-label', person.user],
    ['like-label', person.likeInput]]) {
    input.id = `person-${n}-${cls.replace('-label', '')}`;
    $(`.${cls}`, root).htmlFor = input.id;
  }
  person.list.id = `person-${n}-suggestions`;
  person.likeInput.setAttribute('aria-controls', person.list.id);
  $('.remove-person', root).addEventListener('click', () => removePerson(person));
  setUpAutocomplete(person);
  people.push(person);
  $('#people').append(root);
  renumber();
  return person;
}

function removePerson(person) {
  const i = people.indexOf(person);
  if (i < 0 || people.length <= 1) return;
  people.splice(i, 1);
  person.root.remove();
  renumber();
}

function addLike(person, title) {
  const text = title.trim();
  if (!text || person.likes.includes(text)) return;
  person.likes.push(text);
  renderLikes(person);
}

function renderLikes(person) {
  person.chips.replaceChildren(...person.likes.map((title) => {
    const remove = el('button', {type: 'button', class: 'chip-remove', text: '×', 'aria-label': `Remove ${title}`});
    remove.addEventListener('click', () => {
      person.likes = person.likes.filter((t) => t !== title);
      renderLikes(person);
      person.likeInput.focus();
    });
    return el('li', {class: 'chip'}, el('span', {text: title}), remove);
  }));
}

// ---- autocomplete (a combobox with a listbox, keyboard and pointer) ------------------------------

function setUpAutocomplete(person) {
  const input = person.likeInput;
  const list = person.list;
  let timer = 0;
  let serial = 0;
  let options = [];
  let active = -1;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    options = [];
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    if (i >= 0) input.setAttribute('aria-activedescendant', list.children[i].id);
    else input.removeAttribute('aria-activedescendant');
  };
  const choose = (i) => {
    addLike(person, options[i].title);
    input.value = '';
    close();
    input.focus();
  };
  const show = (movies) => {
    options = movies;
    active = -1;
    list.replaceChildren(...movies.map((m, i) => {
      const li = el('li', {role: 'option', id: `${list.id}-${i}`, class: 'option', 'aria-selected': 'false'},
        el('span', {class: 'option-title', text: m.title}),
        el('span', {class: 'option-genres', text: (m.genres || []).slice(0, 3).join(', ')}));
      // mousedown, not click: the input's blur would close the list first.
      li.addEventListener('mousedown', (event) => {
        event.preventDefault();
        choose(i);
      });
      return li;
    }));
    list.hidden = movies.length === 0;
    input.setAttribute('aria-expanded', movies.length ? 'true' : 'false');
  };
  const search = async () => {
    const q = input.value.trim();
    const mine = ++serial;
    if (q.length < 2) {
      close();
      return;
    }
    try {
      const res = await fetch(`/movies?q=${encodeURIComponent(q)}&n=8`);
      if (!res.ok) return;
      const body = await res.json();
      if (mine === serial && input.value.trim() === q) show(body.movies || []);
    } catch {
      // The list is a convenience; a failed lookup leaves the typed text usable.
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && options.length) {
      event.preventDefault();
      highlight((active + 1) % options.length);
    } else if (event.key === 'ArrowUp' && options.length) {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === 'Enter') {
      // Enter picks the highlighted movie, or keeps the text as typed (the server matches it).
      event.preventDefault();
      if (active >= 0) choose(active);
      else if (input.value.trim()) {
        addLike(person, input.value);
        input.value = '';
        close();
      }
    } else if (event.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
}

// ---- mood ---------------------------------------------------------------------------------------

function setUpMood() {
  const input = $('#mood');
  $('#mood-list').replaceChildren(...MOODS.map((m) => el('option', {value: m})));
  $('#mood-chips').replaceChildren(...MOODS.map((m) => {
    const b = el('button', {type: 'button', class: 'chip mood-chip', text: m, 'aria-pressed': 'false'});
    b.addEventListener('click', () => {
      input.value = input.value.trim() === m ? '' : m;
      syncMoodChips();
    });
    return b;
  }));
  input.addEventListener('input', syncMoodChips);
}

function syncMoodChips() {
  const mood = $('#mood').value.trim().toLowerCase();
  for (const b of document.querySelectorAll('.mood-chip')) {
    b.setAttribute('aria-pressed', b.textContent === mood ? 'true' : 'false');
  }
}

// ---- asking the server --------------------------------------------------------------------------

function buildRequest() {
  const body = {people: [], mood: $('#mood').value.trim(), k: K, double: $('#double').checked};
  for (const p of people) {
    if (p.likeInput.value.trim()) {  // a title typed but not yet added counts
      addLike(p, p.likeInput.value);
      p.likeInput.value = '';
    }
    const person = {};
    const name = p.name.value.trim();
    const user = p.user.value.trim();
    if (name) person.name = name;
    if (user) {
      if (!/^\d+$/.test(user)) throw new Error(`The user id "${user}" is not a number.`);
      person.user = Number(user);
    }
    if (p.likes.length) person.likes = [...p.likes];
    if (person.user !== undefined || person.likes) body.people.push(person);
  }
  if (!body.people.length) throw new Error('Add at least one person: a user id or a movie they liked.');
  return body;
}

function showError(message, suggestions, query) {
  const box = $('#error');
  box.replaceChildren(el('p', {text: message}));
  if (suggestions && suggestions.length) {
    const list = el('ul', {class: 'did-you-mean', 'aria-label': 'Did you mean'});
    for (const s of suggestions) {
      const b = el('button', {type: 'button', class: 'suggestion', text: s});
      b.addEventListener('click', () => {
        replaceTitle(query, s);
        plan();
      });
      list.append(el('li', {}, b));
    }
    box.append(el('p', {class: 'did-you-mean-label', text: 'Did you mean:'}), list);
  }
  box.hidden = false;
}

// Swaps a title that matched nothing for the suggestion the person clicked.
function replaceTitle(query, suggestion) {
  for (const p of people) {
    const i = p.likes.indexOf(query);
    if (i >= 0) {
      p.likes[i] = suggestion;
      renderLikes(p);
      return;
    }
  }
}

async function plan() {
  const status = $('#status');
  const button = $('#submit');
  $('#error').hidden = true;
  let body;
  try {
    body = buildRequest();
  } catch (e) {
    showError(e.message);
    return;
  }
  button.disabled = true;
  status.textContent = 'Planning the night…';
  try {
    const res = await fetch('/recommend', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body),
    });
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      status.textContent = '';
      const message = data && data.error ? data.error : `The server answered ${res.status}.`;
      showError(message, data && data.did_you_mean, data && data.query);
      return;
    }
    renderResults(data, body.double);
    status.textContent = `${data.items.length} movies ready.`;
  } catch (e) {
    status.textContent = '';
    showError(`Could not reach the server: ${e.message}`);
  } finally {
    button.disabled = false;
  }
}

// ---- results ------------------------------------------------------------------------------------

function splitYear(title, year) {
  const m = /^(.*?)\s*\((\d{4})\)\s*$/.exec(title);
  return m ? [m[1], Number(m[2])] : [title, year];
}

function renderResults(data, double) {
  const names = data.people || [];
  const moods = data.moods || [];
  const parts = [];
  if (names.length) parts.push(`for ${names.join(', ')}`);
  if (moods.length) parts.push(`mood: ${moods.join(', ')}`);
  if (typeof data.took_ms === 'number') parts.push(`${data.took_ms.toFixed(0)} ms`);
  $('#results-meta').textContent = parts.join(' · ');
  $('#notes').replaceChildren(...(data.notes || []).map((n) => el('li', {text: n})));

  $('#results').replaceChildren(...data.items.map((item, i) => {
    const movie = item.movie || {};
    const [title, year] = splitYear(movie.title || '', movie.year);
    const heading = el('h3', {class: 'card-title'}, el('span', {text: title}));
    if (year) heading.append(' ', el('span', {class: 'year', text: `(${year})`}));
    const card = el('li', {class: 'card'});
    if (double) card.append(el('p', {class: 'pair', text: `Double feature ${Math.floor(i / 2) + 1}, film ${i % 2 + 1}`}));
    const facts = (movie.genres || []).join(' · ') + (movie.runtime ? ` · ${movie.runtime} min` : '');
    card.append(heading, el('p', {class: 'genres', text: facts}));

    const why = item.why || [];
    if (why.length) {
      card.append(el('h4', {class: 'sr-only', text: 'Why'}),
        el('ul', {class: 'why'}, ...why.map((w) => el('li', {text: w}))));
    }
    const ranks = Object.entries(item.per_user_rank || {});
    if (ranks.length) {
      card.append(el('p', {class: 'ranks'}, el('span', {class: 'label', text: 'Rank for each: '}),
        ranks.map(([name, rank]) => `${name} #${rank}`).join(' · ')));
    }
    const snack = item.snack;
    if (snack && snack.name) {
      card.append(el('div', {class: 'snack'},
        el('p', {class: 'snack-name'}, el('span', {class: 'label', text: 'Snack: '}), el('span', {text: snack.name}),
          el('span', {class: 'minutes', text: ` · ${snack.minutes} min`})),
        snack.summary ? el('p', {class: 'snack-summary', text: snack.summary}) : null));
    }
    return card;
  }));
  $('#results-section').hidden = false;
}

// ---- start --------------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  addPerson();
  addPerson();
  setUpMood();
  $('#add-person').addEventListener('click', () => {
    const p = addPerson();
    if (p) p.likeInput.focus();
  });
  $('#night-form').addEventListener('submit', (event) => {
    event.preventDefault();
    plan();
  });
});
