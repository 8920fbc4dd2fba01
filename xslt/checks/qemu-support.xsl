<?xml version="1.0" encoding="UTF-8"?>
<!--
  What the target host's QEMU has (target-caps, when the user gave its
  capabilities): an explicit controller whose implementation that QEMU
  lacks is refused, whatever the target form, since libvirt checks the
  device's capability flag before it uses the device and the guest would
  not start.  Root buses name no device.  Not a rule pair: it only refuses.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">

  <!-- Whether the target's QEMU lacks this controller's implementation. -->
  <!-- `model`: the implementation written, which a replacement may have chosen. -->
  <xsl:template name="qemu-support.lacking">
    <xsl:param name="model" select="string(@model)"/>
    <xsl:if test="$target-caps != '' and $model != '' and not(contains($target-caps, concat('|', $model, '|')))">yes</xsl:if>
  </xsl:template>

  <xsl:template name="qemu-support.refuse">
    <xsl:param name="model" select="string(@model)"/>
    <xsl:call-template name="dc:refuse">
      <xsl:with-param name="rule" select="'qemu-support'"/>
      <xsl:with-param name="kind" select="@subType"/>
      <xsl:with-param name="implementation" select="$model"/>
      <xsl:with-param name="reason"
          select="concat('the target', &quot;'&quot;, 's ', $target-qemu, ' has no ', $model, ' device')"/>
      <xsl:with-param name="hint"
          select="concat('the guest needs a host whose QEMU has ', $model)"/>
    </xsl:call-template>
  </xsl:template>
</xsl:stylesheet>
