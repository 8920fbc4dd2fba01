<?xml version="1.0" encoding="UTF-8"?>
<!--
  A domain with only its PCI controllers (and its emulator), and no USB
  controller or memory balloon for libvirt to add: what a guest needs to
  start paused under QEMU's emulation with no disk images, networks or
  displays on this machine, for explain's oracles in tests/run-host.sh.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="@* | node()">
    <xsl:copy><xsl:apply-templates select="@* | node()"/></xsl:copy>
  </xsl:template>
  <!-- QEMU's emulation has no host CPU to pass through. -->
  <xsl:template match="/domain/cpu[@mode = 'host-passthrough']/@mode">
    <xsl:attribute name="mode">host-model</xsl:attribute>
  </xsl:template>
  <xsl:template match="/domain/cpu[@mode = 'host-passthrough']/@migratable"/>
  <xsl:template match="/domain/devices">
    <xsl:copy>
      <xsl:apply-templates select="@* | emulator | controller[@type = 'pci']"/>
      <controller type='usb' model='none'/>
      <memballoon model='none'/>
    </xsl:copy>
  </xsl:template>
</xsl:stylesheet>
