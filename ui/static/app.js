() => {
  let chosen = null;
  const showTurn = () => {
    const views = [...document.querySelectorAll('#aa-article .aa-article[data-turn]')];
    if (chosen === null || !views.length) return;
    const shown = views.some((v) => v.dataset.turn === chosen) ? chosen : 'plain';
    views.forEach((v) => { if (v.hidden !== (v.dataset.turn !== shown)) v.hidden = v.dataset.turn !== shown; });
  };
  document.addEventListener('click', (ev) => {
    const a = ev.target && ev.target.closest ? ev.target.closest('a[href^="#src-"], a[href^="#art-"]') : null;
    if (!a) return;
    const el = document.getElementById(a.getAttribute('href').slice(1));
    ev.preventDefault();
    ev.stopPropagation();
    const found = /^#src-t(\d+)-/.exec(a.getAttribute('href'));
    if (found) {
      chosen = found[1];
      showTurn();
    }
    if (!el) return;
    const section = el.closest('section.aa-sources');
    if (section) {
      const all = section.parentElement.querySelectorAll(':scope > section.aa-sources');
      all.forEach((s) => { s.hidden = s !== section; });
    }
    const card = el.closest('.aa-source') || el;
    const head = section ? section.querySelector('h3') : null;
    if (head && window.matchMedia('(max-width: 768px)').matches) {
      head.scrollIntoView({behavior: 'smooth', block: 'start'});
    } else {
      el.scrollIntoView({behavior: 'smooth', block: 'center'});
    }
    card.classList.add('aa-flash');
    setTimeout(() => card.classList.remove('aa-flash'), 1600);
  }, true);
  let seen = 0;
  const tidy = () => {
    const chat = document.getElementById('aa-chat');
    if (!chat) return;
    chat.querySelectorAll('[aria-label]').forEach((el) => {
      const label = el.getAttribute('aria-label');
      if (label && label.includes('<')) {
        const role = label.split(':')[0];
        el.setAttribute('aria-label', `${role}: ${(el.innerText || '').trim().slice(0, 300)}`);
      }
    });
    const messages = chat.querySelectorAll('.aa-q, .aa-answer, .aa-refusal, .aa-error, .aa-pending').length;
    if (messages !== seen) {
      seen = messages;
      chosen = null;
      const last = chat.querySelector('.aa-q:last-of-type');
      const scroller = [...chat.querySelectorAll('*')].find((n) => n.scrollHeight > n.clientHeight + 4 &&
        ['auto', 'scroll'].includes(getComputedStyle(n).overflowY));
      if (scroller) scroller.scrollTop = scroller.scrollHeight;
      else if (last) last.scrollIntoView({block: 'end'});
    }
  };
  new MutationObserver(() => { tidy(); showTurn(); }).observe(document.body, {subtree: true, childList: true, characterData: true});
}
