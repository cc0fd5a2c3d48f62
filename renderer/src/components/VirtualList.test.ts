import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { h, nextTick } from 'vue'
import VirtualList from './VirtualList.vue'

describe('VirtualList', () => {
  it('renders only the rows in view for a million rows and follows scrolling', async () => {
    const w = mount(VirtualList, {
      props: { count: 1_000_000, rowHeight: 20, overscan: 2 },
      slots: { default: ({ index }: { index: number }) => h('span', { class: 'cell' }, `row ${index}`) },
      attachTo: document.body,
    })
    const el = w.find('.vlist').element as HTMLElement
    Object.defineProperty(el, 'clientHeight', { value: 200, configurable: true })
    window.dispatchEvent(new Event('resize'))
    expect(w.find('.spacer').attributes('style')).toContain('height: 20000000px')
    expect(w.findAll('.cell').length).toBeLessThan(30)
    expect(w.find('.cell').text()).toBe('row 0')
    el.scrollTop = 500_000 * 20
    await w.find('.vlist').trigger('scroll')
    await nextTick()
    const texts = w.findAll('.cell').map((c) => c.text())
    expect(texts).toContain('row 500000')
    expect(texts).not.toContain('row 0')
    expect(texts.length).toBeLessThan(30)
    w.unmount()
  })

  it('asks for more when the end comes into view', async () => {
    const w = mount(VirtualList, {
      props: { count: 10, rowHeight: 20 },
      slots: { default: ({ index }: { index: number }) => h('span', `r${index}`) },
    })
    await w.find('.vlist').trigger('scroll')
    expect(w.emitted('nearEnd')).toBeTruthy()
  })
})
